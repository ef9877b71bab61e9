import { z } from 'zod';
import { ConsentInput, CreateSessionRequest, EvaluationView, Id, ParticipantInput, RecordConsentRequest, SessionView, StartEvaluationRequest } from './api';
import { defineRoutes } from './http-route';
import { SessionListRoute } from './session-list-api';
import { CreateInviteResponse, GuestConsent, JoinRequest, JoinResponse } from './signaling';
import { Rubric } from '../rubric/rubric';
import { Transcript } from '../transcript/transcript';
import { ConversationMetrics } from '../metrics/metrics-model';
import { VerifiedAnalysis } from '../rubric/analysis';

/** The caller's identity as GET /v1/me answers it. */
export const MeResponse = z.object({ orgId: Id, orgName: z.string(), userId: Id, email: z.string(), displayName: z.string(), roles: z.array(z.string()) });
export type MeResponse = z.infer<typeof MeResponse>;

const session = SessionView.meta({ id: 'SessionView' });
const sessionId = z.object({ id: Id });
/** The guard loads the session named by :id before anything else: another org's is not found, too. */
const guarded = { 404: ['session.not_found'] } as const;

// Channel 0 then channel 1, as the server's refinement demands, and each with consent, which the
// server demands (422 consent.missing) though the parse schema has it optional.
const createSessionDocumented = CreateSessionRequest.extend({
  participants: z
    .tuple([ParticipantInput.extend({ channel: z.literal(0), consent: ConsentInput }), ParticipantInput.extend({ channel: z.literal(1), consent: ConsentInput })])
    .meta({ minItems: 2, maxItems: 2, description: CreateSessionRequest.shape.participants.description }),
});

/** The clinician's side of a session: who am I, the rubrics, sessions, their results, and the guest's invite. */
export const SessionApiRoutes = defineRoutes({
  me: {
    operationId: 'getMe', method: 'get', path: '/me', auth: 'bearer',
    summary: 'Who the bearer token stands for',
    responses: { 200: { description: 'Identity', json: MeResponse } },
    errors: {},
  },
  rubrics: {
    operationId: 'listRubrics', method: 'get', path: '/rubrics', auth: 'bearer',
    summary: 'Rubric templates',
    responses: { 200: { description: 'Rubrics', json: z.object({ rubrics: z.array(Rubric) }) } },
    errors: {},
  },
  createSession: {
    operationId: 'createSession', method: 'post', path: '/sessions', auth: 'bearer',
    summary: 'Create a session; both participants must consent',
    body: CreateSessionRequest, documentedBody: createSessionDocumented,
    responses: { 201: { description: 'Created', json: session } },
    errors: { 404: ['rubric.not_found'], 422: ['consent.missing', 'rubric.invalid'] },
  },
  listSessions: SessionListRoute,
  getSession: {
    operationId: 'getSession', method: 'get', path: '/sessions/:id', auth: 'bearer',
    summary: 'One session with its recording and latest evaluation',
    params: sessionId,
    responses: { 200: { description: 'Session', json: session } },
    errors: guarded,
  },
  startEvaluation: {
    operationId: 'startEvaluation', method: 'post', path: '/sessions/:id/evaluations', auth: 'bearer',
    summary: 'Start the evaluateSession workflow',
    params: sessionId, body: StartEvaluationRequest,
    responses: { 202: { description: 'Started', json: session } },
    errors: { 404: ['session.not_found', 'rubric.not_found'], 409: ['session.state_invalid'], 422: ['recording.missing', 'rubric.invalid'], 503: ['evaluation.failed'] },
  },
  deleteSession: {
    operationId: 'deleteSession', method: 'delete', path: '/sessions/:id', auth: 'bearer',
    summary: 'Erase the session: its recordings, transcripts, analyses, reports (rows and blobs), participants and consents; an audit entry remains (owner or org admin)',
    params: sessionId,
    responses: { 204: { description: 'Erased' } },
    errors: { ...guarded, 503: ['upstream.unavailable'] },
  },
  getEvaluation: {
    operationId: 'getEvaluation', method: 'get', path: '/sessions/:id/evaluation', auth: 'bearer',
    summary: 'Status of the latest evaluation (also pushed on the WebSocket /v1/events)',
    params: sessionId,
    responses: { 200: { description: 'Status', json: EvaluationView.nullable() } },
    errors: guarded,
  },
  getTranscript: {
    operationId: 'getTranscript', method: 'get', path: '/sessions/:id/transcript', auth: 'bearer',
    summary: 'Authoritative transcript',
    params: sessionId,
    responses: { 200: { description: 'Transcript', json: Transcript } },
    errors: { ...guarded, 409: ['report.not_ready'] },
  },
  getMetrics: {
    operationId: 'getMetrics', method: 'get', path: '/sessions/:id/metrics', auth: 'bearer',
    summary: 'Conversation metrics',
    params: sessionId,
    responses: { 200: { description: 'Metrics', json: ConversationMetrics } },
    errors: { ...guarded, 409: ['report.not_ready'] },
  },
  getAnalysis: {
    operationId: 'getAnalysis', method: 'get', path: '/sessions/:id/analysis', auth: 'bearer',
    summary: 'Rubric analysis with verified evidence',
    params: sessionId,
    responses: { 200: { description: 'Analysis', json: VerifiedAnalysis } },
    errors: { ...guarded, 409: ['report.not_ready'] },
  },
  getReportPdf: {
    operationId: 'getReportPdf', method: 'get', path: '/sessions/:id/report.pdf', auth: 'bearer',
    summary: 'The PDF feedback report',
    params: sessionId,
    responses: { 200: { description: 'PDF', media: { 'application/pdf': z.string().meta({ format: 'binary' }) } } },
    errors: { ...guarded, 409: ['report.not_ready'] },
  },
  recordConsent: {
    operationId: 'recordConsent', method: 'post', path: '/sessions/:id/consents', auth: 'bearer',
    summary: 'Record (again) a participant\'s consent',
    params: sessionId, body: RecordConsentRequest,
    responses: { 201: { description: 'Session', json: session } },
    errors: guarded,
  },
  createInvite: {
    operationId: 'createInvite', method: 'post', path: '/sessions/:id/invites', auth: 'bearer',
    summary: 'Invite the other party (channel 1): a short code that a guest without an account redeems at /v1/join',
    params: sessionId,
    responses: { 201: { description: 'Invite (the code is shown once; only its hash is stored)', json: CreateInviteResponse } },
    errors: guarded,
  },
  join: {
    operationId: 'joinSession', method: 'post', path: '/join', auth: 'none',
    summary: 'A guest redeems an invite code with their consent; the guest token opens only this session\'s call signaling (WebSocket /v1/signal?session=<id>)',
    // The server takes a join without consent only to answer it with consent.missing: documented as required.
    body: JoinRequest, documentedBody: JoinRequest.extend({ consent: GuestConsent.extend({ given: z.literal(true) }) }),
    responses: { 201: { description: 'Guest token', json: JoinResponse } },
    errors: { 422: ['consent.missing', 'invite.invalid'], 429: ['rate.limited'] },
  },
});

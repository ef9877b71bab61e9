import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ConsentInput, CreateSessionRequest, EvaluationView, ParticipantInput, Problem, RecordConsentRequest, SessionView, StartEvaluationRequest, UploadMetadata } from '../../../app/contracts/api';
import { Transcript } from '../../../app/transcript/transcript';
import { ConversationMetrics } from '../../../app/metrics/metrics-model';
import { VerifiedAnalysis } from '../../../app/rubric/analysis';
import { Rubric } from '../../../app/rubric/rubric';
import { CreateInviteResponse, GuestConsent, JoinRequest, JoinResponse } from '../../../app/contracts/signaling';
import { registerAiAdminOpenApi } from './routes/ai-admin-routes';
import { registerAiGatewaySettingsOpenApi } from './routes/ai-gateway-settings-routes';
import { registerOidcOpenApi } from './routes/oidc-routes';
import { registerSignInLinkOpenApi } from './routes/sign-in-link-routes';
import { registerDesktopSessionOpenApi } from './routes/desktop-session-routes';
import { registerOrgSettingsOpenApi } from './routes/org-settings-routes';
import { registerWebSessionOpenApi } from './routes/web-session-routes';
import { registerScimOpenApi } from './routes/scim-routes';
import { registerSamlOpenApi } from './routes/saml-routes';
import { registerUpdateFeedOpenApi } from '../updates/update-routes';
import { SessionListRoute } from '../../../app/contracts/session-list-api';
import { registerRecordingOpenApi } from './routes/recording-routes';
import { registerAuditTrailOpenApi } from './routes/audit-trail-routes';

/** The OpenAPI document, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(serverUrl: string) {
  const reg = new OpenAPIRegistry();
  const bearer = reg.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  // zod's own .meta({ id }) names the component; no prototype patching needed.
  const problem = Problem.meta({ id: 'Problem' });
  const session = SessionView.meta({ id: 'SessionView' });
  const errors = Object.fromEntries(
    [[400, 'request.invalid'], [401, 'auth.missing / auth.invalid'], [403, 'auth.forbidden'], [404, 'session.not_found'], [409, 'session.state_invalid / report.not_ready'], [422, 'consent.missing / recording.*'], [413, 'request.too_large'], [415, 'request.unsupported_media_type'], [431, 'request.headers_too_large']].map(([s, d]) => [s, { description: `Problem (${d})`, content: { 'application/problem+json': { schema: problem } } }]),
  );
  const id = z.object({ id: z.string().uuid() });
  const security = [{ [bearer.name]: [] }];
  // The server takes a join without consent only to answer it with consent.missing: documented as required.
  const joinRequest = JoinRequest.extend({ consent: GuestConsent.extend({ given: z.literal(true) }) });
  // Channel 0 then channel 1, as the server's refinement demands, in the document's tuple too; and
  // each with consent, which the server demands (422 consent.missing) though the shared schema has it optional.
  const participants = CreateSessionRequest.shape.participants;
  const createSession = CreateSessionRequest.extend({ participants: z.tuple([ParticipantInput.extend({ channel: z.literal(0), consent: ConsentInput }), ParticipantInput.extend({ channel: z.literal(1), consent: ConsentInput })]).meta({ minItems: 2, maxItems: 2, description: participants.description }) });
  // tus's own refusals (a malformed Upload-Length or Upload-Metadata) are plain text.
  const uploadErrors = { ...errors, 400: { description: 'Problem (request.invalid), or tus\'s plain-text refusal of a malformed tus header', content: { 'application/problem+json': { schema: problem }, 'text/plain': { schema: z.string() } } } };
  const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });

  reg.registerPath({ method: 'get', path: '/v1/me', summary: 'Who the bearer token stands for', security, responses: { 200: json(z.object({ orgId: z.string(), userId: z.string(), roles: z.array(z.string()) }), 'Identity'), ...errors } });
  reg.registerPath({ method: 'get', path: '/v1/rubrics', summary: 'Rubric templates', security, responses: { 200: json(z.object({ rubrics: z.array(Rubric) }), 'Rubrics'), ...errors } });
  reg.registerPath({ method: 'post', path: '/v1/sessions', summary: 'Create a session; both participants must consent', security, request: { body: { required: true, content: { 'application/json': { schema: createSession } } } }, responses: { 201: json(session, 'Created'), ...errors } });
  reg.registerPath({ method: 'get', path: '/v1/sessions', operationId: SessionListRoute.operationId, summary: 'One page of the sessions of the caller\'s org that the caller may read, newest first; search, filters and keyset paging (pass nextCursor as cursor)', security, request: { query: SessionListRoute.query }, responses: { 200: json(SessionListRoute.response.extend({ sessions: z.array(session) }), 'Sessions'), ...errors } });
  reg.registerPath({ method: 'get', path: '/v1/sessions/{id}', summary: 'One session with its recording and latest evaluation', security, request: { params: id }, responses: { 200: json(session, 'Session'), ...errors } });
  reg.registerPath({ method: 'delete', path: '/v1/sessions/{id}', summary: 'Erase the session: its recordings, transcripts, analyses, reports (rows and blobs), participants and consents; an audit entry remains (owner or org admin)', security, request: { params: id }, responses: { 204: { description: 'Erased' }, ...errors } });
  reg.registerPath({ method: 'post', path: '/v1/sessions/{id}/consents', summary: 'Record (again) a participant\'s consent', security, request: { params: id, body: { required: true, content: { 'application/json': { schema: RecordConsentRequest } } } }, responses: { 201: json(session, 'Session'), ...errors } });
  reg.registerPath({ method: 'post', path: '/v1/uploads', summary: 'tus 1.0 resumable upload of the recording (creation; then PATCH/HEAD on the returned Location). Upload-Metadata: sessionId, sha256 (hex), filename. Content is checked when the upload completes.', security, request: { headers: z.object({ 'Tus-Resumable': z.literal('1.0.0'), 'Upload-Length': z.string().regex(/^[0-9]{1,15}$/), 'Upload-Metadata': z.string().describe(`base64 pairs of ${Object.keys(UploadMetadata.shape).join(', ')}`) }) }, responses: { 201: { description: 'Upload created; Location header' }, ...uploadErrors } });
  reg.registerPath({ method: 'post', path: '/v1/sessions/{id}/evaluations', summary: 'Start the evaluateSession workflow', security, request: { params: id, body: { required: true, content: { 'application/json': { schema: StartEvaluationRequest } } } }, responses: { 202: json(session, 'Started'), ...errors } });
  reg.registerPath({ method: 'get', path: '/v1/sessions/{id}/evaluation', summary: 'Status of the latest evaluation (also pushed on the WebSocket /v1/events)', security, request: { params: id }, responses: { 200: json(EvaluationView.nullable(), 'Status'), ...errors } });
  reg.registerPath({ method: 'get', path: '/v1/sessions/{id}/transcript', summary: 'Authoritative transcript', security, request: { params: id }, responses: { 200: json(Transcript, 'Transcript'), ...errors } });
  reg.registerPath({ method: 'get', path: '/v1/sessions/{id}/metrics', summary: 'Conversation metrics', security, request: { params: id }, responses: { 200: json(ConversationMetrics, 'Metrics'), ...errors } });
  reg.registerPath({ method: 'get', path: '/v1/sessions/{id}/analysis', summary: 'Rubric analysis with verified evidence', security, request: { params: id }, responses: { 200: json(VerifiedAnalysis, 'Analysis'), ...errors } });
  reg.registerPath({ method: 'get', path: '/v1/sessions/{id}/report.pdf', summary: 'The PDF feedback report', security, request: { params: id }, responses: { 200: { description: 'PDF', content: { 'application/pdf': { schema: z.string() } } }, ...errors } });
  reg.registerPath({ method: 'post', path: '/v1/sessions/{id}/invites', summary: 'Invite the other party (channel 1): a short code that a guest without an account redeems at /v1/join', security, request: { params: id }, responses: { 201: json(CreateInviteResponse, 'Invite (the code is shown once; only its hash is stored)'), ...errors } });
  reg.registerPath({ method: 'post', path: '/v1/join', summary: 'A guest redeems an invite code with their consent; the guest token opens only this session\'s call signaling (WebSocket /v1/signal?session=<id>). Problems: consent.missing, invite.invalid', request: { body: { required: true, content: { 'application/json': { schema: joinRequest } } } }, responses: { 201: json(JoinResponse, 'Guest token'), ...errors } });
  registerRecordingOpenApi(reg, { security, errors, problem });
  registerAuditTrailOpenApi(reg, { security, errors, json });
  registerAiAdminOpenApi(reg, { security, errors, json });
  registerAiGatewaySettingsOpenApi(reg, { security, errors, json });
  registerOidcOpenApi(reg, { security, errors, json });
  registerSignInLinkOpenApi(reg, { errors, json });
  registerDesktopSessionOpenApi(reg, { errors, json });
  registerOrgSettingsOpenApi(reg, { security, errors, json });
  registerWebSessionOpenApi(reg, { security, errors, json });
  registerScimOpenApi(reg, { errors });
  registerSamlOpenApi(reg, { errors, json });
  registerUpdateFeedOpenApi(reg, { errors });

  return new OpenApiGeneratorV31(reg.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Feedback Evaluation API', version: '0.1.0', description: 'Errors are RFC 9457 problem+json with a stable `code`. Live status: WebSocket /v1/events (bearer header or access_token query).' },
    servers: [{ url: serverUrl }],
  });
}

import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { AppError } from '../../../app/contracts/errors';
import type { CreateSessionRequest, SessionView } from '../../../app/contracts/api';
import type { Rubric } from '../../../app/rubric/rubric';
import { Transcript } from '../../../app/transcript/transcript';
import { ConversationMetrics } from '../../../app/metrics/metrics-model';
import type { Database, Tx } from '../db/database';
import * as sessions from '../db/repositories/sessions';
import * as recordings from '../db/repositories/recordings';
import * as evaluations from '../db/repositories/evaluations';
import { getLatestTranscript } from '../db/repositories/transcripts';
import { getLatestAnalysis } from '../db/repositories/analyses';
import { getLatestReport } from '../db/repositories/reports';
import { appendAuditEvent } from '../db/repositories/audit';
import type { BlobStore } from '../blobs/blob-store';
import { validateRecording } from '../audio/validate-recording';
import { findChannelSpeech } from '../audio/channel-speech';
import { workflowIdFor, type EvaluationClient } from '../workflows/evaluation-client';
import { notifyEvaluation } from '../evaluations/evaluation-events';
import type { Identity } from '../api/auth';
import { sessionView } from './session-views';
import { sha256File } from '../../../files/file-digest';
import { eraseSession, type SessionErasure } from './session-erasure';
import { listSessionPage, type SessionListFilter } from './session-list';

export interface SessionServiceDeps {
  db: Database;
  blobs: BlobStore;
  evaluations: Pick<EvaluationClient, 'start' | 'terminate'>;
  rubric(id: string): Promise<Rubric>;
  limits: { maxBytes: number; maxDurationSec: number };
}

/** The use-cases behind the routes, the tus hooks and the CLI. Routes stay thin. */
export function createSessionService(deps: SessionServiceDeps) {
  const { db } = deps;

  async function loadView(tx: Tx, sessionId: string): Promise<SessionView> {
    const s = await sessions.getSession(tx, sessionId);
    if (!s) throw new AppError('session.not_found', `Session ${sessionId} not found`);
    const [rec, ev] = await Promise.all([recordings.getLatestRecording(tx, sessionId, { status: 'accepted' }), evaluations.getLatestEvaluation(tx, sessionId)]);
    return sessionView(s, rec, ev);
  }

  /** A read of one of the session's results: a missing (or another org's) session is session.not_found, never report.not_ready. */
  async function inSession<T>(who: Identity, sessionId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return db.withOrg(who.orgId, async (tx) => {
      if (!(await sessions.getSession(tx, sessionId))) throw new AppError('session.not_found', `Session ${sessionId} not found`);
      return fn(tx);
    });
  }

  return {
    async createSession(who: Identity, req: CreateSessionRequest): Promise<SessionView> {
      await deps.rubric(req.rubricId);
      const missing = req.participants.filter((p) => !p.consent);
      if (missing.length) throw new AppError('consent.missing', `Both participants must consent before a session is recorded; missing: ${missing.map((p) => p.displayName).join(', ')}.`, { details: { channels: missing.map((p) => p.channel) } });
      return db.withOrg(who.orgId, async (tx) => {
        const now = new Date();
        const s = await sessions.createSessionWithParticipants(tx, {
          title: req.title,
          rubricId: req.rubricId,
          createdBy: who.userId,
          recordedAt: req.recordedAt ?? null,
          participants: req.participants.map((p) => ({ channel: p.channel, displayName: p.displayName, roleLabel: p.roleLabel, consent: p.consent ? { givenAt: now, method: p.consent.method, textVersion: p.consent.textVersion } : undefined })),
        });
        await appendAuditEvent(tx, { actorUserId: who.userId, action: 'session.created', targetType: 'session', targetId: s.id, data: { rubricId: req.rubricId, consents: s.participants.map((p) => ({ channel: p.channel, method: p.consent?.method, textVersion: p.consent?.textVersion })) } });
        return loadView(tx, s.id);
      });
    },

    /** Consent given later (e.g. the second party joining from their own device). */
    async recordConsent(who: Identity, sessionId: string, channel: 0 | 1, consent: { method: string; textVersion: string }): Promise<SessionView> {
      return db.withOrg(who.orgId, async (tx) => {
        const s = await sessions.getSession(tx, sessionId);
        if (!s) throw new AppError('session.not_found', `Session ${sessionId} not found`);
        const p = s.participants.find((x) => x.channel === channel)!;
        await sessions.recordConsent(tx, { participantId: p.id, givenAt: new Date(), method: consent.method, textVersion: consent.textVersion });
        await appendAuditEvent(tx, { actorUserId: who.userId, action: 'consent.recorded', targetType: 'session', targetId: sessionId, data: { channel, method: consent.method, textVersion: consent.textVersion } });
        return loadView(tx, sessionId);
      });
    },

    getSession: (who: Identity, sessionId: string) => db.withOrg(who.orgId, (tx) => loadView(tx, sessionId)),

    /** One page of the org's sessions the caller may see (`visible`: the access policy's session.read), filtered and searched. */
    listSessions(who: Identity, filter: SessionListFilter, visible: (s: { id: string; createdBy: string }) => boolean = () => true) {
      return db.withOrg(who.orgId, (tx) => listSessionPage(tx, filter, visible, loadView));
    },

    /** The gate of an upload, before any byte is accepted. */
    async checkUploadAllowed(who: Identity, sessionId: string, declaredBytes: number | undefined): Promise<void> {
      await db.withOrg(who.orgId, async (tx) => {
        const s = await sessions.getSession(tx, sessionId);
        if (!s) throw new AppError('session.not_found', `Session ${sessionId} not found`);
        if (!(await sessions.hasBothConsents(tx, sessionId))) throw new AppError('consent.missing', 'Both participants must consent before any audio is accepted.');
        if (s.status === 'evaluating') throw new AppError('session.state_invalid', 'An evaluation of this session is running; upload again after it ends.');
      });
      if (declaredBytes !== undefined && declaredBytes > deps.limits.maxBytes) {
        throw new AppError('recording.too_large', `The recording is ${declaredBytes} bytes; the limit is ${deps.limits.maxBytes} bytes.`, { details: { limit: deps.limits.maxBytes } });
      }
    },

    /**
     * A finished upload: check the declared sha256 and the content, then store it encrypted and
     * record it. On any failure the file is removed and nothing already stored changes.
     */
    async acceptRecording(who: Identity, sessionId: string, file: { path: string; declaredSha256: string; filename?: string }) {
      try {
        await this.checkUploadAllowed(who, sessionId, undefined);
        const actual = await sha256File(file.path);
        if (actual !== file.declaredSha256) throw new AppError('recording.checksum_mismatch', `The uploaded file's sha256 is ${actual}, but ${file.declaredSha256} was declared: the upload was damaged. Upload it again.`, { details: { declared: file.declaredSha256, actual } });
        const probe = await validateRecording(file.path, deps.limits);
        const { audio } = await findChannelSpeech(file.path, probe);
        const key = `sessions/${sessionId}/recording-${actual}`;
        // The same content accepted before has the same blob: only a blob written here is ours to remove.
        const existed = (await deps.blobs.head(who.orgId, key)) !== null;
        const ref = await deps.blobs.putFile(who.orgId, key, file.path);
        try {
          return await db.withOrg(who.orgId, async (tx) => {
            const rec = await recordings.insertRecording(tx, { sessionId, blobUri: ref.uri, sha256: ref.sha256, bytes: ref.bytes, durationSec: audio.durationSec, container: probe.container, codec: probe.codec, channels: probe.channels, sampleRate: probe.sampleRate, status: 'accepted' });
            await sessions.setSessionStatus(tx, sessionId, 'recording_uploaded', { from: ['created', 'recording_uploaded', 'completed', 'failed'] });
            await appendAuditEvent(tx, { actorUserId: who.userId, action: 'recording.accepted', targetType: 'session', targetId: sessionId, data: { recordingId: rec.id, sha256: rec.sha256, bytes: rec.bytes, durationSec: probe.durationSec, filename: file.filename ?? null } });
            return rec;
          });
        } catch (e) {
          // Nothing refers to the blob when its rows were not stored: no orphan left behind.
          if (!existed) await deps.blobs.remove(who.orgId, ref.uri).catch(() => undefined);
          throw e;
        }
      } finally {
        await rm(file.path, { force: true });
      }
    },

    /** `requestId`: the API request's id, carried into the workflow, its activities' logs and their gateway calls. */
    async startEvaluation(who: Identity, sessionId: string, rubricId?: string, opts: { requestId?: string } = {}): Promise<SessionView> {
      const evaluationId = randomUUID();
      const started = await db.withOrg(who.orgId, async (tx) => {
        const s = await sessions.getSession(tx, sessionId);
        if (!s) throw new AppError('session.not_found', `Session ${sessionId} not found`);
        const rec = await recordings.getLatestRecording(tx, sessionId, { status: 'accepted' });
        if (!rec) throw new AppError('recording.missing', 'Upload the recording before starting an evaluation.');
        const moved = await sessions.setSessionStatus(tx, sessionId, 'evaluating', { from: ['recording_uploaded', 'completed', 'failed'] });
        if (!moved) throw new AppError('session.state_invalid', `An evaluation cannot start while the session is ${s.status}.`);
        const rubric = rubricId ?? s.rubricId;
        await deps.rubric(rubric);
        const ev = await evaluations.createEvaluation(tx, { id: evaluationId, sessionId, workflowId: workflowIdFor(evaluationId), recordingId: rec.id });
        await appendAuditEvent(tx, { actorUserId: who.userId, action: 'evaluation.started', targetType: 'session', targetId: sessionId, data: { evaluationId: ev.id, rubricId: rubric } });
        await notifyEvaluation(tx, ev);
        return { ev, rec, rubric };
      });
      try {
        await deps.evaluations.start({ orgId: who.orgId, sessionId, evaluationId: started.ev.id, rubricId: started.rubric, recording: { uri: started.rec.blobUri, sha256: started.rec.sha256, bytes: started.rec.bytes }, requestedBy: who.userId, ...(opts.requestId ? { requestId: opts.requestId } : {}) });
      } catch (e) {
        await db.withOrg(who.orgId, async (tx) => {
          const ev = await evaluations.finishEvaluation(tx, started.ev.id, { status: 'failed', errorCode: 'evaluation.failed', errorMessage: `Could not start the workflow: ${(e as Error).message}` });
          await sessions.setSessionStatus(tx, sessionId, 'failed');
          if (ev) await notifyEvaluation(tx, ev);
        });
        throw new AppError('evaluation.failed', `Could not start the evaluation workflow: ${(e as Error).message}`, { status: 503, cause: e });
      }
      return this.getSession(who, sessionId);
    },

    /** Erase the session, its rows and blobs, leaving an audit entry (the route authorized session.delete); a running evaluation is terminated first. */
    async deleteSession(who: Identity, sessionId: string): Promise<SessionErasure> {
      return eraseSession(db, deps.blobs, { orgId: who.orgId, userId: who.userId }, sessionId, deps.evaluations);
    },

    async getTranscript(who: Identity, sessionId: string): Promise<Transcript> {
      const t = await inSession(who, sessionId, (tx) => getLatestTranscript(tx, sessionId));
      if (!t) throw new AppError('report.not_ready', 'No transcript yet: the evaluation has not reached that step.');
      return Transcript.parse(t.body);
    },

    async getMetrics(who: Identity, sessionId: string): Promise<ConversationMetrics> {
      const ev = await inSession(who, sessionId, (tx) => evaluations.getLatestEvaluation(tx, sessionId));
      const ref = ev ? await deps.blobs.head(who.orgId, `evaluations/${ev.id}/metrics.json`) : null;
      if (!ref) throw new AppError('report.not_ready', 'No metrics yet: the evaluation has not reached that step.');
      return ConversationMetrics.parse(JSON.parse(Buffer.from(await deps.blobs.getBytes(who.orgId, ref)).toString('utf8')));
    },

    async getAnalysis(who: Identity, sessionId: string) {
      const a = await inSession(who, sessionId, (tx) => getLatestAnalysis(tx, sessionId));
      if (!a) throw new AppError('report.not_ready', 'No analysis yet.');
      return a.body;
    },

    /**
     * The accepted recording's plaintext (the blob store checks its tag and sha256, so a whole
     * file is decrypted for any range of it) and what a media answer needs to describe it.
     */
    async getRecording(who: Identity, sessionId: string): Promise<{ data: Uint8Array; sha256: string; container: string }> {
      const rec = await inSession(who, sessionId, (tx) => recordings.getLatestRecording(tx, sessionId, { status: 'accepted' }));
      if (!rec) throw new AppError('recording.missing', 'No recording has been accepted for this session yet.', { status: 404 });
      return { data: await deps.blobs.getBytes(who.orgId, { uri: rec.blobUri, sha256: rec.sha256, bytes: rec.bytes }), sha256: rec.sha256, container: rec.container ?? 'unknown' };
    },

    async getReportPdf(who: Identity, sessionId: string): Promise<{ pdf: Uint8Array; sha256: string; pages: number }> {
      const r = await inSession(who, sessionId, (tx) => getLatestReport(tx, sessionId));
      if (!r) throw new AppError('report.not_ready', 'The report is not ready yet.');
      return { pdf: await deps.blobs.getBytes(who.orgId, { uri: r.blobUri, sha256: r.sha256, bytes: r.bytes }), sha256: r.sha256, pages: r.pages };
    },
  };
}
export type SessionService = ReturnType<typeof createSessionService>;

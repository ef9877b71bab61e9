import { AppError } from '../../../app/contracts/errors';
import type { BlobStore } from '../blobs/blob-store';
import type { EvaluationClient } from '../workflows/evaluation-client';
import type { Database, Tx } from '../db/database';
import { appendAuditEvent } from '../db/repositories/audit';
import { effectiveRetention, type RetentionPeriods } from '../db/repositories/retention';

/** Blob folders: recordings under sessions/<id>/, each evaluation's artefacts under evaluations/<id>/ (activities.ts). */
const sessionFolder = (sessionId: string) => `sessions/${sessionId}`;
const evaluationFolder = (evaluationId: string) => `evaluations/${evaluationId}`;

export interface SessionErasure {
  sessionId: string;
  recordings: number;
  evaluations: number;
  reports: number;
  /** Evaluations that were still running and whose workflows were terminated first. */
  terminated: number;
}

/**
 * Erase a session: its blobs (recordings, every evaluation artefact and report) are removed while
 * the transaction that deletes its rows (the session and, by cascade, participants, consents,
 * recordings, evaluations, transcripts, analyses, reports, invites, guest tokens, per-session keys)
 * is still open, so a failure leaves both in place to try again. One audit entry says who erased
 * what, without health data. The caller has authorized session.delete.
 *
 * An evaluation still running is stopped first: its workflow is terminated (while the session row
 * is locked, so no new evaluation can start), and a write of one of its activities still under way
 * either finished before the rows go (and its blob is removed below) or finds its evaluation gone
 * (EvaluationStore.whileEvaluationExists). If Temporal cannot be reached nothing is erased
 * (`upstream.unavailable`, 503: try again).
 */
export async function eraseSession(db: Database, blobs: BlobStore, who: { orgId: string; userId: string | null }, sessionId: string, workflows: Pick<EvaluationClient, 'terminate'>, reason: 'user_request' = 'user_request'): Promise<SessionErasure> {
  return db.withOrg(who.orgId, async (tx) => {
    const { rows: found } = await tx.query<{ id: string }>('SELECT id FROM sessions WHERE id = $1 FOR UPDATE', [sessionId]);
    if (!found[0]) throw new AppError('session.not_found', `Session ${sessionId} not found`);
    // The stored workflow id is the one the client started the workflow under (evaluation-client.ts).
    const running = await tx.query<{ workflow_id: string }>("SELECT workflow_id FROM evaluations WHERE session_id = $1 AND status IN ('queued', 'running')", [sessionId]);
    let terminated = 0;
    for (const r of running.rows) {
      try {
        if ((await workflows.terminate(r.workflow_id, `session ${sessionId} erased`, who.orgId)) === 'terminated') terminated++;
      } catch (cause) {
        throw new AppError('upstream.unavailable', `The running evaluation of session ${sessionId} could not be stopped, so the session was not erased; try again.`, { cause });
      }
    }
    const recordings = await tx.query<{ blob_uri: string; erased_at: Date | null }>('SELECT blob_uri, erased_at FROM recordings WHERE session_id = $1', [sessionId]);
    const evaluations = await tx.query<{ id: string }>('SELECT id FROM evaluations WHERE session_id = $1', [sessionId]);
    const reports = await tx.query<{ blob_uri: string }>('SELECT blob_uri FROM reports WHERE session_id = $1', [sessionId]);
    await tx.query('DELETE FROM sessions WHERE id = $1', [sessionId]);
    for (const r of recordings.rows) if (!r.erased_at) await blobs.remove(who.orgId, r.blob_uri);
    for (const r of reports.rows) await blobs.remove(who.orgId, r.blob_uri);
    for (const e of evaluations.rows) await blobs.removeFolder(who.orgId, evaluationFolder(e.id));
    await blobs.removeFolder(who.orgId, sessionFolder(sessionId));
    const erased = { sessionId, recordings: recordings.rowCount, evaluations: evaluations.rowCount, reports: reports.rowCount, terminated };
    await appendAuditEvent(tx, { actorUserId: who.userId, action: 'session.erased', targetType: 'session', targetId: sessionId, data: { reason, recordings: erased.recordings, evaluations: erased.evaluations, reports: erased.reports, terminated } });
    return erased;
  });
}

export interface RetentionSweepOfOrg {
  orgId: string;
  periods: RetentionPeriods;
  recordings: number;
  transcripts: number;
  analyses: number;
  reports: number;
}

const DAY_MS = 86_400_000;
const cutoffOf = (now: Date, days: number) => (days > 0 ? new Date(now.getTime() - days * DAY_MS).toISOString() : null);

/**
 * Apply the org's retention periods as of `now`: audio of recordings older than the recordings
 * period is removed (the row stays, marked erased_at); transcripts and the analyses quoting them
 * older than the transcripts period are deleted with their artefact blobs; reports older than the
 * reports period are deleted with their PDFs. Each kind in one transaction; an audit entry when
 * anything was erased. Idempotent (a retried activity finds nothing left).
 */
export async function sweepOrgRetention(db: Database, blobs: BlobStore, orgId: string, now: Date, defaults: RetentionPeriods): Promise<RetentionSweepOfOrg> {
  const periods = await db.withOrg(orgId, (tx) => effectiveRetention(tx, defaults));
  const out: RetentionSweepOfOrg = { orgId, periods, recordings: 0, transcripts: 0, analyses: 0, reports: 0 };
  const inOrg = (fn: (tx: Tx) => Promise<void>) => db.withOrg(orgId, fn);

  const recordingsBefore = cutoffOf(now, periods.recordingsDays);
  if (recordingsBefore) {
    await inOrg(async (tx) => {
      const { rows } = await tx.query<{ id: string; blob_uri: string }>('UPDATE recordings SET erased_at = now() WHERE erased_at IS NULL AND created_at < $1 RETURNING id, blob_uri', [recordingsBefore]);
      for (const r of rows) await blobs.remove(orgId, r.blob_uri);
      out.recordings = rows.length;
    });
  }
  const transcriptsBefore = cutoffOf(now, periods.transcriptsDays);
  if (transcriptsBefore) {
    await inOrg(async (tx) => {
      const t = await tx.query<{ evaluation_id: string }>('DELETE FROM transcripts WHERE created_at < $1 RETURNING evaluation_id', [transcriptsBefore]);
      const a = await tx.query<{ evaluation_id: string }>('DELETE FROM analyses WHERE created_at < $1 RETURNING evaluation_id', [transcriptsBefore]);
      // The intermediate transcripts, metrics and section analyses; the report PDF has its own period.
      for (const id of new Set([...t.rows, ...a.rows].map((r) => r.evaluation_id))) await blobs.removeFolder(orgId, evaluationFolder(id), { except: ['report.pdf'] });
      out.transcripts = t.rowCount;
      out.analyses = a.rowCount;
    });
  }
  const reportsBefore = cutoffOf(now, periods.reportsDays);
  if (reportsBefore) {
    await inOrg(async (tx) => {
      const { rows } = await tx.query<{ blob_uri: string }>('DELETE FROM reports WHERE created_at < $1 RETURNING blob_uri', [reportsBefore]);
      for (const r of rows) await blobs.remove(orgId, r.blob_uri);
      out.reports = rows.length;
    });
  }
  if (out.recordings + out.transcripts + out.analyses + out.reports > 0) {
    await inOrg(async (tx) => {
      await appendAuditEvent(tx, { actorUserId: null, action: 'retention.erased', targetType: 'org', targetId: orgId, data: { asOf: now.toISOString(), periods, recordings: out.recordings, transcripts: out.transcripts, analyses: out.analyses, reports: out.reports } });
    });
  }
  return out;
}

import { AppError } from '../../../app/contracts/errors';
import type { Database } from '../db/database';
import { getOrg } from '../db/repositories/identity';
import { getSession, setSessionStatus } from '../db/repositories/sessions';
import { finishEvaluation, updateEvaluationProgress } from '../db/repositories/evaluations';
import { upsertTranscript } from '../db/repositories/transcripts';
import { upsertAnalysis } from '../db/repositories/analyses';
import { upsertReport } from '../db/repositories/reports';
import { appendAuditEvent } from '../db/repositories/audit';
import type { EvaluationStore } from '../workflows/evaluation-deps';
import { notifyEvaluation } from './evaluation-events';

/** The workflow's persistence, over the repositories; every write is org-scoped (RLS). */
export function createEvaluationStore(db: Database): EvaluationStore {
  return {
    async getReportContext(orgId, sessionId) {
      return db.withOrg(orgId, async (tx) => {
        const s = await getSession(tx, sessionId);
        if (!s) throw new AppError('session.not_found', `Session ${sessionId} not found`);
        const org = await getOrg(tx);
        const [a, b] = s.participants;
        if (!a || !b) throw new AppError('internal', `Session ${sessionId} lacks a participant`);
        return {
          title: s.title,
          recordedAt: s.recordedAt ?? s.createdAt,
          orgName: org?.name ?? '',
          ownerUserId: s.createdBy,
          participants: [
            { channel: 0 as const, displayName: a.displayName, roleLabel: a.roleLabel },
            { channel: 1 as const, displayName: b.displayName, roleLabel: b.roleLabel },
          ],
        };
      });
    },
    async setProgress(orgId, evaluationId, step, progress) {
      await db.withOrg(orgId, async (tx) => {
        const e = await updateEvaluationProgress(tx, evaluationId, { step, progress });
        if (e) await notifyEvaluation(tx, e);
      });
    },
    async saveTranscript(orgId, sessionId, evaluationId, transcript) {
      await db.withOrg(orgId, (tx) => upsertTranscript(tx, { sessionId, evaluationId, body: transcript, engine: `${transcript.engine.name}:${transcript.engine.model}` }));
    },
    async saveAnalysis(orgId, sessionId, evaluationId, analysis) {
      await db.withOrg(orgId, (tx) => upsertAnalysis(tx, { sessionId, evaluationId, body: analysis, model: analysis.model, rubricId: analysis.rubricId, rubricVersion: analysis.rubricVersion }));
    },
    async saveReport(orgId, sessionId, evaluationId, report, pages) {
      await db.withOrg(orgId, (tx) => upsertReport(tx, { sessionId, evaluationId, blobUri: report.uri, sha256: report.sha256, bytes: report.bytes, pages }));
    },
    async complete(orgId, sessionId, evaluationId) {
      await db.withOrg(orgId, async (tx) => {
        const e = await finishEvaluation(tx, evaluationId, { status: 'completed' });
        // An erased evaluation (the session was deleted) leaves no status or audit entry behind.
        if (!e) return;
        await setSessionStatus(tx, sessionId, 'completed');
        await appendAuditEvent(tx, { action: 'evaluation.completed', targetType: 'session', targetId: sessionId, data: { evaluationId } });
        if (e) await notifyEvaluation(tx, e);
      });
    },
    async fail(orgId, sessionId, evaluationId, code, message) {
      await db.withOrg(orgId, async (tx) => {
        const e = await finishEvaluation(tx, evaluationId, { status: 'failed', errorCode: code, errorMessage: message });
        if (!e) return;
        await setSessionStatus(tx, sessionId, 'failed');
        await appendAuditEvent(tx, { action: 'evaluation.failed', targetType: 'session', targetId: sessionId, data: { evaluationId, code, message } });
        await notifyEvaluation(tx, e);
      });
    },
    async whileEvaluationExists(orgId, evaluationId, write) {
      return db.withOrg(orgId, async (tx) => {
        // FOR KEY SHARE conflicts with DELETE only: concurrent writes of one evaluation do not wait for each other.
        const { rowCount } = await tx.query('SELECT 1 FROM evaluations WHERE id = $1 FOR KEY SHARE', [evaluationId]);
        if (!rowCount) throw new AppError('session.not_found', `Evaluation ${evaluationId} no longer exists (its session was erased); nothing is written.`);
        return write();
      });
    },
  };
}

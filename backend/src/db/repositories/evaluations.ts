import type { ErrorCode } from '../../../../app/contracts/errors';
import type { Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { iso, isoOrNull } from '../row-values';

export type EvaluationStatus = 'queued' | 'running' | 'completed' | 'failed';

/** One run of the evaluateSession workflow for a session. */
export interface Evaluation {
  id: string;
  orgId: string;
  sessionId: string;
  recordingId: string | null;
  workflowId: string;
  runId: string | null;
  status: EvaluationStatus;
  step: string | null;
  /** 0..1 */
  progress: number;
  errorCode: string | null;
  errorMessage: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Idempotent by workflowId: starting the same workflow twice returns the first evaluation.
 * `id` lets the caller fix the evaluation id up front, so the stored workflow id is the one the
 * workflow really runs under (it derives from the evaluation id, evaluation-client.ts).
 */
export async function createEvaluation(tx: Tx, input: { id?: string; sessionId: string; workflowId: string; recordingId?: string | null; runId?: string | null }): Promise<Evaluation> {
  const { rows } = await tx.query<EvaluationRow>(
    `INSERT INTO evaluations (id, org_id, session_id, recording_id, workflow_id, run_id) VALUES (coalesce($6::uuid, gen_random_uuid()), $1, $2, $3, $4, $5)
     ON CONFLICT (workflow_id) DO UPDATE SET run_id = coalesce(evaluations.run_id, EXCLUDED.run_id)
     RETURNING *`,
    [orgOf(tx), input.sessionId, input.recordingId ?? null, input.workflowId, input.runId ?? null, input.id ?? null],
  );
  return toEvaluation(rows[0]!);
}

export async function getEvaluationByWorkflowId(tx: Tx, workflowId: string): Promise<Evaluation | null> {
  const { rows } = await tx.query<EvaluationRow>('SELECT * FROM evaluations WHERE workflow_id = $1', [workflowId]);
  return rows[0] ? toEvaluation(rows[0]) : null;
}

export async function getLatestEvaluation(tx: Tx, sessionId: string): Promise<Evaluation | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<EvaluationRow>('SELECT * FROM evaluations WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1', [sessionId]);
  return rows[0] ? toEvaluation(rows[0]) : null;
}

/** Marks the evaluation running at `step` with `progress` (0..1). A finished evaluation is left as it is (returns null). */
export async function updateEvaluationProgress(tx: Tx, evaluationId: string, update: { step: string; progress: number; runId?: string }): Promise<Evaluation | null> {
  if (!isUuid(evaluationId)) return null;
  const { rows } = await tx.query<EvaluationRow>(
    `UPDATE evaluations
     SET status = 'running', step = $2, progress = $3, run_id = coalesce($4, run_id),
         started_at = coalesce(started_at, now()), updated_at = now()
     WHERE id = $1 AND status IN ('queued', 'running')
     RETURNING *`,
    [evaluationId, update.step, Math.min(1, Math.max(0, update.progress)), update.runId ?? null],
  );
  return rows[0] ? toEvaluation(rows[0]) : null;
}

export type EvaluationOutcome = { status: 'completed' } | { status: 'failed'; errorCode: ErrorCode | string; errorMessage: string };

export async function finishEvaluation(tx: Tx, evaluationId: string, outcome: EvaluationOutcome): Promise<Evaluation | null> {
  if (!isUuid(evaluationId)) return null;
  const failed = outcome.status === 'failed';
  const { rows } = await tx.query<EvaluationRow>(
    `UPDATE evaluations
     SET status = $2, progress = CASE WHEN $2 = 'completed' THEN 1 ELSE progress END,
         error_code = $3, error_message = $4,
         started_at = coalesce(started_at, now()), finished_at = now(), updated_at = now()
     WHERE id = $1
     RETURNING *`,
    [evaluationId, outcome.status, failed ? outcome.errorCode : null, failed ? outcome.errorMessage : null],
  );
  return rows[0] ? toEvaluation(rows[0]) : null;
}

interface EvaluationRow {
  id: string;
  org_id: string;
  session_id: string;
  recording_id: string | null;
  workflow_id: string;
  run_id: string | null;
  status: EvaluationStatus;
  step: string | null;
  progress: number;
  error_code: string | null;
  error_message: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toEvaluation(r: EvaluationRow): Evaluation {
  return {
    id: r.id,
    orgId: r.org_id,
    sessionId: r.session_id,
    recordingId: r.recording_id,
    workflowId: r.workflow_id,
    runId: r.run_id,
    status: r.status,
    step: r.step,
    progress: r.progress,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    startedAt: isoOrNull(r.started_at),
    finishedAt: isoOrNull(r.finished_at),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

import type { VerifiedAnalysis } from '../../../../app/rubric/analysis';
import type { Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { iso } from '../row-values';

export interface StoredAnalysis {
  id: string;
  orgId: string;
  sessionId: string;
  evaluationId: string;
  body: VerifiedAnalysis;
  model: string;
  rubricId: string;
  rubricVersion: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewAnalysis {
  sessionId: string;
  evaluationId: string;
  body: VerifiedAnalysis;
  model: string;
  rubricId: string;
  rubricVersion: string;
}

/** One analysis per evaluation: a retried activity replaces its earlier result instead of adding one. */
export async function upsertAnalysis(tx: Tx, input: NewAnalysis): Promise<StoredAnalysis> {
  const { rows } = await tx.query<AnalysisRow>(
    `INSERT INTO analyses (org_id, session_id, evaluation_id, body, model, rubric_id, rubric_version) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (evaluation_id) DO UPDATE
       SET body = EXCLUDED.body, model = EXCLUDED.model, rubric_id = EXCLUDED.rubric_id, rubric_version = EXCLUDED.rubric_version, updated_at = now()
     RETURNING *`,
    [orgOf(tx), input.sessionId, input.evaluationId, JSON.stringify(input.body), input.model, input.rubricId, input.rubricVersion],
  );
  return toAnalysis(rows[0]!);
}

export async function getAnalysisByEvaluation(tx: Tx, evaluationId: string): Promise<StoredAnalysis | null> {
  if (!isUuid(evaluationId)) return null;
  const { rows } = await tx.query<AnalysisRow>('SELECT * FROM analyses WHERE evaluation_id = $1', [evaluationId]);
  return rows[0] ? toAnalysis(rows[0]) : null;
}

export async function getLatestAnalysis(tx: Tx, sessionId: string): Promise<StoredAnalysis | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<AnalysisRow>('SELECT * FROM analyses WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1', [sessionId]);
  return rows[0] ? toAnalysis(rows[0]) : null;
}

interface AnalysisRow {
  id: string;
  org_id: string;
  session_id: string;
  evaluation_id: string;
  body: VerifiedAnalysis;
  model: string;
  rubric_id: string;
  rubric_version: string;
  created_at: Date;
  updated_at: Date;
}

function toAnalysis(r: AnalysisRow): StoredAnalysis {
  return {
    id: r.id,
    orgId: r.org_id,
    sessionId: r.session_id,
    evaluationId: r.evaluation_id,
    body: r.body,
    model: r.model,
    rubricId: r.rubric_id,
    rubricVersion: r.rubric_version,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

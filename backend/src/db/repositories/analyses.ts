import type { VerifiedAnalysis } from '../../../../app/rubric/analysis';
import type { Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { iso } from '../row-values';
import { openJsonOrLegacy, sealJson } from '../../crypto/sealed-fields';

// The body is sealed at rest (docs/decisions/015), bound to its org and evaluation (the row's
// stable key: an upsert by evaluation keeps it).
const bodyPlace = (evaluationId: string) => ({ table: 'analyses', column: 'body', rowKey: evaluationId });

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
    `INSERT INTO analyses (org_id, session_id, evaluation_id, body_sealed, model, rubric_id, rubric_version) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (evaluation_id) DO UPDATE
       SET body = NULL, body_sealed = EXCLUDED.body_sealed, model = EXCLUDED.model, rubric_id = EXCLUDED.rubric_id, rubric_version = EXCLUDED.rubric_version, updated_at = now()
     RETURNING *`,
    [orgOf(tx), input.sessionId, input.evaluationId, await sealJson(tx, bodyPlace(input.evaluationId), input.body), input.model, input.rubricId, input.rubricVersion],
  );
  return toAnalysis(tx, rows[0]!);
}

export async function getAnalysisByEvaluation(tx: Tx, evaluationId: string): Promise<StoredAnalysis | null> {
  if (!isUuid(evaluationId)) return null;
  const { rows } = await tx.query<AnalysisRow>('SELECT * FROM analyses WHERE evaluation_id = $1', [evaluationId]);
  return rows[0] ? toAnalysis(tx, rows[0]) : null;
}

export async function getLatestAnalysis(tx: Tx, sessionId: string): Promise<StoredAnalysis | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<AnalysisRow>('SELECT * FROM analyses WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1', [sessionId]);
  return rows[0] ? toAnalysis(tx, rows[0]) : null;
}

interface AnalysisRow {
  id: string;
  org_id: string;
  session_id: string;
  evaluation_id: string;
  body: VerifiedAnalysis | null;
  body_sealed: Buffer | null;
  model: string;
  rubric_id: string;
  rubric_version: string;
  created_at: Date;
  updated_at: Date;
}

async function toAnalysis(tx: Tx, r: AnalysisRow): Promise<StoredAnalysis> {
  return {
    id: r.id,
    orgId: r.org_id,
    sessionId: r.session_id,
    evaluationId: r.evaluation_id,
    body: await openJsonOrLegacy(tx, bodyPlace(r.evaluation_id), r.body_sealed, r.body),
    model: r.model,
    rubricId: r.rubric_id,
    rubricVersion: r.rubric_version,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

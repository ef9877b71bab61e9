import type { Transcript } from '../../../../app/transcript/transcript';
import type { Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { iso } from '../row-values';
import { openJsonOrLegacy, sealJson } from '../../crypto/sealed-fields';

// The body is sealed at rest (docs/decisions/015), bound to its org and evaluation (the row's
// stable key: an upsert by evaluation keeps it).
const bodyPlace = (evaluationId: string) => ({ table: 'transcripts', column: 'body', rowKey: evaluationId });

export interface StoredTranscript {
  id: string;
  orgId: string;
  sessionId: string;
  evaluationId: string;
  body: Transcript;
  engine: string;
  createdAt: string;
  updatedAt: string;
}

/** One transcript per evaluation: a retried activity replaces its earlier result instead of adding one. */
export async function upsertTranscript(tx: Tx, input: { sessionId: string; evaluationId: string; body: Transcript; engine: string }): Promise<StoredTranscript> {
  const { rows } = await tx.query<TranscriptRow>(
    `INSERT INTO transcripts (org_id, session_id, evaluation_id, body_sealed, engine) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (evaluation_id) DO UPDATE SET body = NULL, body_sealed = EXCLUDED.body_sealed, engine = EXCLUDED.engine, updated_at = now()
     RETURNING *`,
    [orgOf(tx), input.sessionId, input.evaluationId, await sealJson(tx, bodyPlace(input.evaluationId), input.body), input.engine],
  );
  return toTranscript(tx, rows[0]!);
}

export async function getTranscriptByEvaluation(tx: Tx, evaluationId: string): Promise<StoredTranscript | null> {
  if (!isUuid(evaluationId)) return null;
  const { rows } = await tx.query<TranscriptRow>('SELECT * FROM transcripts WHERE evaluation_id = $1', [evaluationId]);
  return rows[0] ? toTranscript(tx, rows[0]) : null;
}

export async function getLatestTranscript(tx: Tx, sessionId: string): Promise<StoredTranscript | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<TranscriptRow>('SELECT * FROM transcripts WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1', [sessionId]);
  return rows[0] ? toTranscript(tx, rows[0]) : null;
}

interface TranscriptRow {
  id: string;
  org_id: string;
  session_id: string;
  evaluation_id: string;
  body: Transcript | null;
  body_sealed: Buffer | null;
  engine: string;
  created_at: Date;
  updated_at: Date;
}

async function toTranscript(tx: Tx, r: TranscriptRow): Promise<StoredTranscript> {
  return {
    id: r.id,
    orgId: r.org_id,
    sessionId: r.session_id,
    evaluationId: r.evaluation_id,
    body: await openJsonOrLegacy(tx, bodyPlace(r.evaluation_id), r.body_sealed, r.body),
    engine: r.engine,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

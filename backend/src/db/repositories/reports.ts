import type { Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { int, iso } from '../row-values';

/** A rendered PDF: a reference into the blob store. */
export interface StoredReport {
  id: string;
  orgId: string;
  sessionId: string;
  evaluationId: string;
  blobUri: string;
  sha256: string;
  bytes: number;
  pages: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewReport {
  sessionId: string;
  evaluationId: string;
  blobUri: string;
  sha256: string;
  bytes: number;
  pages: number;
}

/** One report per evaluation: a retried activity replaces its earlier result instead of adding one. */
export async function upsertReport(tx: Tx, input: NewReport): Promise<StoredReport> {
  const { rows } = await tx.query<ReportRow>(
    `INSERT INTO reports (org_id, session_id, evaluation_id, blob_uri, sha256, bytes, pages) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (evaluation_id) DO UPDATE
       SET blob_uri = EXCLUDED.blob_uri, sha256 = EXCLUDED.sha256, bytes = EXCLUDED.bytes, pages = EXCLUDED.pages, updated_at = now()
     RETURNING *`,
    [orgOf(tx), input.sessionId, input.evaluationId, input.blobUri, input.sha256, input.bytes, input.pages],
  );
  return toReport(rows[0]!);
}

export async function getReportByEvaluation(tx: Tx, evaluationId: string): Promise<StoredReport | null> {
  if (!isUuid(evaluationId)) return null;
  const { rows } = await tx.query<ReportRow>('SELECT * FROM reports WHERE evaluation_id = $1', [evaluationId]);
  return rows[0] ? toReport(rows[0]) : null;
}

export async function getLatestReport(tx: Tx, sessionId: string): Promise<StoredReport | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<ReportRow>('SELECT * FROM reports WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1', [sessionId]);
  return rows[0] ? toReport(rows[0]) : null;
}

interface ReportRow {
  id: string;
  org_id: string;
  session_id: string;
  evaluation_id: string;
  blob_uri: string;
  sha256: string;
  bytes: string;
  pages: number;
  created_at: Date;
  updated_at: Date;
}

function toReport(r: ReportRow): StoredReport {
  return {
    id: r.id,
    orgId: r.org_id,
    sessionId: r.session_id,
    evaluationId: r.evaluation_id,
    blobUri: r.blob_uri,
    sha256: r.sha256,
    bytes: int(r.bytes),
    pages: r.pages,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

import type { Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { int, iso } from '../row-values';

export type RecordingStatus = 'received' | 'accepted' | 'rejected';

/** A stored recording: a reference into the blob store plus what probing found. */
export interface Recording {
  id: string;
  orgId: string;
  sessionId: string;
  blobUri: string;
  sha256: string;
  bytes: number;
  durationSec: number | null;
  container: string | null;
  codec: string | null;
  channels: number | null;
  sampleRate: number | null;
  status: RecordingStatus;
  createdAt: string;
}

export interface NewRecording {
  sessionId: string;
  blobUri: string;
  sha256: string;
  bytes: number;
  durationSec?: number | null;
  container?: string | null;
  codec?: string | null;
  channels?: number | null;
  sampleRate?: number | null;
  status?: RecordingStatus;
}

export async function insertRecording(tx: Tx, input: NewRecording): Promise<Recording> {
  const { rows } = await tx.query<RecordingRow>(
    `INSERT INTO recordings (org_id, session_id, blob_uri, sha256, bytes, duration_sec, container, codec, channels, sample_rate, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
    [
      orgOf(tx),
      input.sessionId,
      input.blobUri,
      input.sha256,
      input.bytes,
      input.durationSec ?? null,
      input.container ?? null,
      input.codec ?? null,
      input.channels ?? null,
      input.sampleRate ?? null,
      input.status ?? 'received',
    ],
  );
  return toRecording(rows[0]!);
}

/** The session's most recent recording, whatever its status (null when none). */
export async function getLatestRecording(tx: Tx, sessionId: string, opts: { status?: RecordingStatus } = {}): Promise<Recording | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<RecordingRow>(
    `SELECT * FROM recordings WHERE session_id = $1 AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    [sessionId, opts.status ?? null],
  );
  return rows[0] ? toRecording(rows[0]) : null;
}

export async function setRecordingStatus(tx: Tx, recordingId: string, status: RecordingStatus): Promise<Recording | null> {
  if (!isUuid(recordingId)) return null;
  const { rows } = await tx.query<RecordingRow>('UPDATE recordings SET status = $2 WHERE id = $1 RETURNING *', [recordingId, status]);
  return rows[0] ? toRecording(rows[0]) : null;
}

interface RecordingRow {
  id: string;
  org_id: string;
  session_id: string;
  blob_uri: string;
  sha256: string;
  bytes: string;
  duration_sec: number | null;
  container: string | null;
  codec: string | null;
  channels: number | null;
  sample_rate: number | null;
  status: RecordingStatus;
  created_at: Date;
}

function toRecording(r: RecordingRow): Recording {
  return {
    id: r.id,
    orgId: r.org_id,
    sessionId: r.session_id,
    blobUri: r.blob_uri,
    sha256: r.sha256,
    bytes: int(r.bytes),
    durationSec: r.duration_sec,
    container: r.container,
    codec: r.codec,
    channels: r.channels,
    sampleRate: r.sample_rate,
    status: r.status,
    createdAt: iso(r.created_at),
  };
}

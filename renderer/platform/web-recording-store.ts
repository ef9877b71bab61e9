import { AppError } from '../../app/contracts/errors';
import { committed, openDatabase, request } from './indexed-db';
import type { FinishedRecording, RecordingStore, StoredRecording } from './platform';
import { sha256Hex } from './sha256';
import { trimWebm } from './webm-recovery';

const DB_NAME = 'feedback-recordings';
interface ChunkRow {
  sessionId: string;
  seq: number;
  data: Blob;
}

/**
 * Recordings in IndexedDB: one row per MediaRecorder chunk, committed with strict durability before
 * `append` resolves, so a reload or a crash loses at most the chunk being recorded. A recording
 * still marked `recording` when the store opens was interrupted: `recover` turns it into a file.
 */
export async function openWebRecordingStore(): Promise<RecordingStore & { blobOf(sessionId: string): Promise<Blob> }> {
  const db = await openDatabase(DB_NAME, 1, (d) => {
    d.createObjectStore('recordings', { keyPath: 'sessionId' });
    d.createObjectStore('chunks', { keyPath: ['sessionId', 'seq'] });
  });
  const tx = (stores: string[], mode: IDBTransactionMode) => db.transaction(stores, mode, { durability: 'strict' });
  const getMeta = async (sessionId: string) => (await request(tx(['recordings'], 'readonly').objectStore('recordings').get(sessionId))) as StoredRecording | undefined;
  const putMeta = async (meta: StoredRecording) => {
    const t = tx(['recordings'], 'readwrite');
    t.objectStore('recordings').put(meta);
    await committed(t);
  };

  // Anything still "recording" belongs to an earlier page that is gone.
  for (const m of (await request(tx(['recordings'], 'readonly').objectStore('recordings').getAll())) as StoredRecording[]) {
    if (m.state === 'recording') await putMeta({ ...m, state: 'interrupted' });
  }

  async function blobOf(sessionId: string): Promise<Blob> {
    const meta = await getMeta(sessionId);
    if (!meta) throw new AppError('recording.not_found', `No recording of session ${sessionId} on this device.`);
    const range = IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]);
    const rows = (await request(tx(['chunks'], 'readonly').objectStore('chunks').getAll(range))) as ChunkRow[];
    return new Blob(rows.map((r) => r.data), { type: meta.mimeType });
  }

  async function close(sessionId: string, recovered: boolean): Promise<FinishedRecording> {
    const meta = await getMeta(sessionId);
    if (!meta) throw new AppError('recording.not_found', `No recording of session ${sessionId} on this device.`);
    let blob = await blobOf(sessionId);
    if (recovered && meta.mimeType.includes('webm') && blob.size > 0) {
      // Keep only whole elements, and store the repaired file in place of the chunks.
      blob = new Blob([trimWebm(new Uint8Array(await blob.arrayBuffer())) as BlobPart], { type: meta.mimeType });
      const t = tx(['chunks'], 'readwrite');
      const chunks = t.objectStore('chunks');
      chunks.delete(IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]));
      chunks.put({ sessionId, seq: 0, data: blob } satisfies ChunkRow);
      await committed(t);
    }
    if (blob.size === 0) throw new AppError('recording.recovery_failed', 'The recording holds no audio: nothing was saved before it stopped.');
    await putMeta({ ...meta, state: 'finished', bytes: blob.size });
    return { sessionId, mimeType: meta.mimeType, bytes: blob.size, sha256: await sha256Hex(blob), recovered };
  }

  return {
    blobOf,
    async start(sessionId, mimeType) {
      const t = tx(['recordings', 'chunks'], 'readwrite');
      t.objectStore('chunks').delete(IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]));
      t.objectStore('recordings').put({ sessionId, mimeType, state: 'recording', startedAt: new Date().toISOString(), nextSeq: 0, bytes: 0 } satisfies StoredRecording);
      await committed(t);
    },
    async append(sessionId, seq, chunk) {
      const meta = await getMeta(sessionId);
      if (!meta || meta.state !== 'recording') throw new AppError('recording.state_invalid', `Session ${sessionId} is not recording.`);
      if (seq !== meta.nextSeq) throw new AppError('recording.sequence_gap', `Expected chunk ${meta.nextSeq}, got ${seq}.`);
      const t = tx(['recordings', 'chunks'], 'readwrite');
      t.objectStore('chunks').put({ sessionId, seq, data: new Blob([chunk as BlobPart]) } satisfies ChunkRow);
      t.objectStore('recordings').put({ ...meta, nextSeq: seq + 1, bytes: meta.bytes + chunk.byteLength });
      await committed(t);
    },
    finish: (sessionId) => close(sessionId, false),
    recover: (sessionId) => close(sessionId, true),
    async list() {
      return (await request(tx(['recordings'], 'readonly').objectStore('recordings').getAll())) as StoredRecording[];
    },
  };
}

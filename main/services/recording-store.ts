import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { Id } from '../../app/contracts/api';
import { AppError } from '../../app/contracts/errors';
import { RecordingRef, type RecordingSummary } from '../../app/contracts/ipc/recordings';
import { readJsonFile, syncDir, writeJsonAtomic } from './atomic-file';
import { digestFile } from './file-digest';
import { containerOf, defaultMediaTools, rebuildRecording, scanAudio, type MediaTools } from './media-repair';

/**
 * Crash-safe recording store. Per session, in `<dataDir>/recordings/<sessionId>/`:
 * - `recording.<ext>`: the encoded chunks exactly as the renderer's MediaRecorder produced them;
 * - `chunks.journal`: one line per accepted chunk, `seq endOffset hash`, written only after the
 *   chunk's bytes were fsync'd. After a crash the journal says which bytes are whole; anything
 *   beyond its last line was a torn write and is cut off;
 * - `manifest.json`: MIME type, start time and, once finished, the RecordingRef.
 */
const Manifest = z.object({
  version: z.literal(1),
  sessionId: Id,
  mimeType: z.string(),
  startedAt: z.string(),
  finished: RecordingRef.nullable(),
});
type Manifest = z.infer<typeof Manifest>;

interface Journal {
  nextSeq: number;
  bytes: number;
  hashes: string[];
}

interface Active extends Journal {
  manifest: Manifest;
  data: FileHandle;
  journal: FileHandle;
}

export interface RecordingStore {
  start(sessionId: string, mimeType: string): Promise<RecordingSummary>;
  append(sessionId: string, seq: number, chunk: Uint8Array): Promise<{ seq: number; bytes: number; duplicate: boolean }>;
  finish(sessionId: string): Promise<RecordingRef>;
  recover(sessionId: string): Promise<RecordingRef>;
  list(): Promise<RecordingSummary[]>;
  /** The finished (or recovered) recording of a session, for the upload queue. */
  finished(sessionId: string): Promise<RecordingRef>;
  /** Closes open files without finishing: what is not finished is `interrupted` on the next start. */
  close(): Promise<void>;
}

const chunkHash = (chunk: Uint8Array) => createHash('sha256').update(chunk).digest('hex').slice(0, 32);

export function createRecordingStore(opts: { dataDir: string; tools?: MediaTools; onChange?: (s: RecordingSummary) => void }): RecordingStore {
  const root = path.join(opts.dataDir, 'recordings');
  const tools = opts.tools ?? defaultMediaTools;
  const active = new Map<string, Active>();
  const locks = new Map<string, Promise<unknown>>();

  const dirOf = (sessionId: string) => path.join(root, Id.parse(sessionId));
  const manifestPath = (sessionId: string) => path.join(dirOf(sessionId), 'manifest.json');
  const journalPath = (sessionId: string) => path.join(dirOf(sessionId), 'chunks.journal');
  const dataPath = (m: Pick<Manifest, 'sessionId' | 'mimeType'>) => path.join(dirOf(m.sessionId), `recording.${containerOf(m.mimeType)}`);

  /** Calls for one session run one after the other (two appends must never interleave). */
  function serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(sessionId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    locks.set(sessionId, settled);
    void settled.then(() => {
      if (locks.get(sessionId) === settled) locks.delete(sessionId);
    });
    return next;
  }

  async function readManifest(sessionId: string): Promise<Manifest | undefined> {
    return readJsonFile(manifestPath(sessionId), Manifest);
  }

  async function readJournal(sessionId: string, dataBytes: number): Promise<Journal> {
    let text = '';
    try {
      text = await readFile(journalPath(sessionId), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const j: Journal = { nextSeq: 0, bytes: 0, hashes: [] };
    // The last line may be torn (no newline): it never counts.
    for (const line of text.split('\n').slice(0, -1)) {
      const m = /^(\d+) (\d+) ([0-9a-f]{32})$/.exec(line);
      if (!m || Number(m[1]) !== j.nextSeq || Number(m[2]) < j.bytes || Number(m[2]) > dataBytes) break;
      j.nextSeq++;
      j.bytes = Number(m[2]);
      j.hashes.push(m[3]!);
    }
    return j;
  }

  async function fileSize(file: string): Promise<number> {
    try {
      return (await stat(file)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
  }

  function summary(m: Manifest, j: Journal | undefined): RecordingSummary {
    const state = m.finished ? 'finished' : active.has(m.sessionId) ? 'recording' : 'interrupted';
    return { sessionId: m.sessionId, mimeType: m.mimeType, state, startedAt: m.startedAt, nextSeq: j?.nextSeq ?? 0, bytes: m.finished?.bytes ?? j?.bytes ?? 0, finished: m.finished };
  }

  async function summaryOf(m: Manifest): Promise<RecordingSummary> {
    const a = active.get(m.sessionId);
    if (a) return summary(m, a);
    if (m.finished) return summary(m, undefined);
    return summary(m, await readJournal(m.sessionId, await fileSize(dataPath(m))));
  }

  async function closeActive(sessionId: string): Promise<void> {
    const a = active.get(sessionId);
    if (!a) return;
    active.delete(sessionId);
    await a.data.close().catch(() => undefined);
    await a.journal.close().catch(() => undefined);
  }

  async function needManifest(sessionId: string): Promise<Manifest> {
    const m = await readManifest(sessionId);
    if (!m) throw new AppError('recording.not_found', `No recording for session ${sessionId}.`);
    return m;
  }

  async function complete(m: Manifest, file: string, recovered: boolean, durationSec: number | undefined): Promise<RecordingRef> {
    const { sha256, bytes } = await digestFile(file);
    const ref: RecordingRef = { sessionId: m.sessionId, path: file, mimeType: m.mimeType, bytes, sha256, recovered, ...(durationSec !== undefined ? { durationSec } : {}) };
    const done = { ...m, finished: ref };
    await writeJsonAtomic(manifestPath(m.sessionId), done);
    opts.onChange?.(summary(done, undefined));
    return ref;
  }

  return {
    start(sessionId, mimeType) {
      return serial(sessionId, async () => {
        const existing = active.get(sessionId);
        if (existing) {
          if (existing.manifest.mimeType !== mimeType) throw new AppError('recording.state_invalid', `Recording ${sessionId} is already running as ${existing.manifest.mimeType}.`);
          return summary(existing.manifest, existing);
        }
        const old = await readManifest(sessionId);
        if (old?.finished) throw new AppError('recording.state_invalid', `The recording of session ${sessionId} is already finished.`);
        if (old) throw new AppError('recording.state_invalid', `The recording of session ${sessionId} was interrupted; recover it with recordings:recover.`);
        const m: Manifest = { version: 1, sessionId, mimeType, startedAt: new Date().toISOString(), finished: null };
        await mkdir(dirOf(sessionId), { recursive: true });
        const data = await open(dataPath(m), 'a', 0o600);
        const journal = await open(journalPath(sessionId), 'a', 0o600);
        await writeJsonAtomic(manifestPath(sessionId), m);
        await syncDir(dirOf(sessionId));
        const a: Active = { manifest: m, data, journal, nextSeq: 0, bytes: 0, hashes: [] };
        active.set(sessionId, a);
        const s = summary(m, a);
        opts.onChange?.(s);
        return s;
      });
    },

    append(sessionId, seq, chunk) {
      return serial(sessionId, async () => {
        const a = active.get(sessionId);
        if (!a) {
          const m = await needManifest(sessionId);
          throw new AppError('recording.state_invalid', m.finished ? `The recording of session ${sessionId} is finished.` : `The recording of session ${sessionId} is not open in this run; recover it.`);
        }
        const hash = chunkHash(chunk);
        if (seq < a.nextSeq) {
          if (a.hashes[seq] === hash) return { seq, bytes: a.bytes, duplicate: true };
          throw new AppError('recording.sequence_conflict', `Chunk ${seq} was already stored with different bytes.`, { details: { seq } });
        }
        if (seq > a.nextSeq) throw new AppError('recording.sequence_gap', `Expected chunk ${a.nextSeq}, got ${seq}.`, { details: { expected: a.nextSeq, got: seq } });
        if (chunk.byteLength > 0) {
          await a.data.write(chunk, 0, chunk.byteLength);
          await a.data.datasync();
        }
        const end = a.bytes + chunk.byteLength;
        // Journal after data: a journal line always describes bytes that are on disk.
        await a.journal.write(`${seq} ${end} ${hash}\n`);
        await a.journal.datasync();
        a.nextSeq++;
        a.bytes = end;
        a.hashes.push(hash);
        return { seq, bytes: end, duplicate: false };
      });
    },

    finish(sessionId) {
      return serial(sessionId, async () => {
        const m = await needManifest(sessionId);
        if (m.finished) return m.finished;
        if (!active.has(sessionId)) throw new AppError('recording.state_invalid', `The recording of session ${sessionId} was interrupted; recover it with recordings:recover.`);
        await closeActive(sessionId);
        const file = dataPath(m);
        if ((await fileSize(file)) === 0) throw new AppError('recording.state_invalid', `The recording of session ${sessionId} holds no audio.`);
        const duration = await scanAudio(file, tools).then((s) => (s.packets > 0 ? s.durationSec : undefined), () => undefined);
        return complete(m, file, false, duration);
      });
    },

    recover(sessionId) {
      return serial(sessionId, async () => {
        const m = await needManifest(sessionId);
        if (m.finished) return m.finished;
        // Also for a recording still open in this run whose renderer died: its recorder is gone.
        await closeActive(sessionId);
        const raw = dataPath(m);
        const j = await readJournal(sessionId, await fileSize(raw));
        if ((await fileSize(raw)) > j.bytes) await truncate(raw, j.bytes);
        if (j.bytes === 0) throw new AppError('recording.recovery_failed', `The interrupted recording of session ${sessionId} holds no audio.`);
        const container = containerOf(m.mimeType);
        const out = path.join(dirOf(sessionId), `recovered.${container}`);
        const { scan } = await rebuildRecording(raw, out, container, tools);
        return complete(m, out, true, scan.durationSec);
      });
    },

    async list() {
      let names: string[];
      try {
        names = await readdir(root);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      const out: RecordingSummary[] = [];
      for (const name of names) {
        if (!Id.safeParse(name).success) continue;
        const m = await readManifest(name).catch(() => undefined);
        if (m) out.push(await summaryOf(m));
      }
      return out.sort((x, y) => y.startedAt.localeCompare(x.startedAt));
    },

    async finished(sessionId) {
      const m = await needManifest(sessionId);
      if (!m.finished) throw new AppError('recording.state_invalid', `The recording of session ${sessionId} is not finished yet.`);
      return m.finished;
    },

    async close() {
      for (const id of [...active.keys()]) await serial(id, () => closeActive(id));
    },
  };
}

import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { Id } from '../../app/contracts/api';
import { AppError } from '../../app/contracts/errors';
import { RecordingRef, type RecordingSummary } from '../../app/contracts/ipc/recordings';
import { readJsonFile, syncDir, writeFileAtomic, writeJsonAtomic } from './atomic-file';
import { digestStream } from '../../files/file-digest';
import { containerOf, defaultMediaTools, rebuildRecording, scanAudio, type MediaTools } from './media-repair';
import { chunkMac, openRecordFile, readRecords, sealedSize, sealRecord, type PlainSource } from './sealed-file';
import type { EncryptionKeyStore } from './storage-key';

/**
 * Crash-safe recording store, encrypted at rest. Per session, in `<dataDir>/recordings/<sessionId>/`:
 * - `recording.<ext>.enc`: the encoded chunks exactly as the renderer's MediaRecorder produced them,
 *   one AES-256-GCM record per chunk (main/services/sealed-file.ts), bound to the file's path;
 * - `chunks.journal`: one line per accepted chunk, `seq plainEndOffset mac`, written only after the
 *   chunk's record was fsync'd. After a crash the journal says which records are whole; anything
 *   beyond its last line was a torn write and is cut off;
 * - `manifest.json`: MIME type, start time and, once finished, the RecordingRef (`path` names the
 *   encrypted file; `bytes`/`sha256` describe the plaintext, which is what the backend checks).
 * ffprobe/ffmpeg read and write through pipes, so audio is never on disk in clear. Version 1
 * manifests (plaintext files, before decision 020) are encrypted in place on the store's first use.
 */
const Manifest = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
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
  /** The plaintext of a session's finished recording, decrypted as it is read. */
  read(sessionId: string): Promise<AsyncIterable<Buffer>>;
  /** The same at any offset (the upload queue's source: a resumed upload starts at the server's offset). */
  open(sessionId: string): Promise<PlainSource>;
  /** Closes open files without finishing: what is not finished is `interrupted` on the next start. */
  close(): Promise<void>;
}

/** Plaintext bytes per record when the store itself writes a file (migration, rebuilt recordings). */
const RECORD_BYTES = 256 * 1024;

export function createRecordingStore(opts: { dataDir: string; keys: EncryptionKeyStore; tools?: MediaTools; onChange?: (s: RecordingSummary) => void }): RecordingStore {
  const root = path.join(opts.dataDir, 'recordings');
  const tools = opts.tools ?? defaultMediaTools;
  const active = new Map<string, Active>();
  const locks = new Map<string, Promise<unknown>>();
  let migrated: Promise<void> | undefined;

  const dirOf = (sessionId: string) => path.join(root, Id.parse(sessionId));
  const manifestPath = (sessionId: string) => path.join(dirOf(sessionId), 'manifest.json');
  const journalPath = (sessionId: string) => path.join(dirOf(sessionId), 'chunks.journal');
  const plainName = (m: Pick<Manifest, 'mimeType'>, stem: 'recording' | 'recovered') => `${stem}.${containerOf(m.mimeType)}`;
  const dataPath = (m: Pick<Manifest, 'sessionId' | 'mimeType'>) => path.join(dirOf(m.sessionId), `${plainName(m, 'recording')}.enc`);
  const recoveredPath = (m: Pick<Manifest, 'sessionId' | 'mimeType'>) => path.join(dirOf(m.sessionId), `${plainName(m, 'recovered')}.enc`);
  /** The associated data of a file: its path inside the data folder, with `/` on every platform. */
  const aadOf = (file: string) => path.relative(opts.dataDir, file).split(path.sep).join('/');
  const key = () => opts.keys.dataKey();

  /** Calls for one session run one after the other (two appends must never interleave). */
  function serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const run = () => ready().then(fn);
    const prev = locks.get(sessionId) ?? Promise.resolve();
    const next = prev.then(run, run);
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

  async function readJournal(sessionId: string, sealedBytes: number): Promise<Journal> {
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
      if (!m || Number(m[1]) !== j.nextSeq || Number(m[2]) < j.bytes || sealedSize(j.nextSeq + 1, Number(m[2])) > sealedBytes) break;
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

  /** The plaintext of a record file (all its records, or the first `records`). */
  async function plain(file: string, o: { records?: number; plainBytes?: number } = {}): Promise<AsyncIterable<Buffer>> {
    return readRecords(file, await key(), aadOf(file), o);
  }

  /** Writes a record file from a stream of plaintext, atomically; records of RECORD_BYTES. */
  async function sealStream(file: string, source: AsyncIterable<Uint8Array>): Promise<void> {
    const k = await key();
    const aad = aadOf(file);
    const parts: Buffer[] = [];
    let index = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = () => {
      parts.push(sealRecord(k, aad, index++, Buffer.concat(pending)));
      pending = [];
      pendingBytes = 0;
    };
    for await (const chunk of source) {
      pending.push(Buffer.from(chunk));
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= RECORD_BYTES) flush();
    }
    if (pendingBytes > 0 || index === 0) flush();
    await writeFileAtomic(file, Buffer.concat(parts), { mode: 0o600 });
  }

  async function complete(m: Manifest, file: string, recovered: boolean, durationSec: number | undefined): Promise<RecordingRef> {
    const { sha256, bytes } = await digestStream(await plain(file));
    const ref: RecordingRef = { sessionId: m.sessionId, path: file, mimeType: m.mimeType, bytes, sha256, recovered, ...(durationSec !== undefined ? { durationSec } : {}) };
    const done: Manifest = { ...m, version: 2, finished: ref };
    await writeJsonAtomic(manifestPath(m.sessionId), done);
    opts.onChange?.(summary(done, undefined));
    return ref;
  }

  /**
   * Encrypts a version 1 (plaintext) recording in place: a finished one as one record file, an
   * interrupted one record by journal line (so the journal still describes it), then removes the
   * plaintext. A crash in between redoes it on the next start (the manifest is rewritten last but one).
   */
  async function migrate(m: Manifest): Promise<void> {
    const dir = dirOf(m.sessionId);
    const raw = path.join(dir, plainName(m, 'recording'));
    const rebuilt = path.join(dir, plainName(m, 'recovered'));
    let next: Manifest;
    if (m.finished) {
      const target = m.finished.recovered ? recoveredPath(m) : dataPath(m);
      await sealStream(target, createReadStream(m.finished.path) as AsyncIterable<Buffer>);
      next = { ...m, version: 2, finished: { ...m.finished, path: target } };
    } else {
      const bytes = await readFile(raw).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? Buffer.alloc(0) : Promise.reject(e)));
      const lines = (await readFile(journalPath(m.sessionId), 'utf8').catch(() => '')).split('\n').slice(0, -1);
      const k = await key();
      const aad = aadOf(dataPath(m));
      const records: Buffer[] = [];
      const journal: string[] = [];
      let end = 0;
      for (const line of lines) {
        const l = /^(\d+) (\d+) ([0-9a-f]{32})$/.exec(line);
        if (!l || Number(l[1]) !== records.length || Number(l[2]) < end || Number(l[2]) > bytes.length) break;
        const chunk = bytes.subarray(end, Number(l[2]));
        records.push(sealRecord(k, aad, records.length, chunk));
        journal.push(`${l[1]} ${l[2]} ${chunkMac(k, chunk)}\n`);
        end = Number(l[2]);
      }
      await writeFileAtomic(dataPath(m), Buffer.concat(records), { mode: 0o600 });
      await writeFileAtomic(journalPath(m.sessionId), journal.join(''), { mode: 0o600 });
      next = { ...m, version: 2 };
    }
    await writeJsonAtomic(manifestPath(m.sessionId), next);
    await rm(raw, { force: true });
    await rm(rebuilt, { force: true });
    // A finished recording needs no journal; its lines were digests of the plaintext chunks.
    if (next.finished) await rm(journalPath(m.sessionId), { force: true });
  }

  async function sessionIds(): Promise<string[]> {
    try {
      return (await readdir(root)).filter((n) => Id.safeParse(n).success);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /** Every call waits for the plaintext migration, which runs once per store. */
  function ready(): Promise<void> {
    migrated ??= (async () => {
      for (const id of await sessionIds()) {
        const m = await readManifest(id).catch(() => undefined);
        if (m?.version === 1) await migrate(m);
      }
    })();
    return migrated.catch((e: unknown) => {
      migrated = undefined;
      throw e;
    });
  }

  async function finishedRef(sessionId: string): Promise<RecordingRef> {
    await ready();
    const m = await needManifest(sessionId);
    if (!m.finished) throw new AppError('recording.state_invalid', `The recording of session ${sessionId} is not finished yet.`);
    return m.finished;
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
        // No recording without the key: nothing is ever written in clear.
        await key();
        const m: Manifest = { version: 2, sessionId, mimeType, startedAt: new Date().toISOString(), finished: null };
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
        const k = await key();
        const hash = chunkMac(k, chunk);
        if (seq < a.nextSeq) {
          if (a.hashes[seq] === hash) return { seq, bytes: a.bytes, duplicate: true };
          throw new AppError('recording.sequence_conflict', `Chunk ${seq} was already stored with different bytes.`, { details: { seq } });
        }
        if (seq > a.nextSeq) throw new AppError('recording.sequence_gap', `Expected chunk ${a.nextSeq}, got ${seq}.`, { details: { expected: a.nextSeq, got: seq } });
        // Every chunk is one record, an empty one too: n records of P bytes are P + 32·n on disk.
        const record = sealRecord(k, aadOf(dataPath(a.manifest)), seq, chunk);
        await a.data.write(record, 0, record.byteLength);
        await a.data.datasync();
        const end = a.bytes + chunk.byteLength;
        // Journal after data: a journal line always describes a record that is on disk.
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
        const a = active.get(sessionId);
        if (!a) throw new AppError('recording.state_invalid', `The recording of session ${sessionId} was interrupted; recover it with recordings:recover.`);
        const { nextSeq, bytes } = a;
        await closeActive(sessionId);
        const file = dataPath(m);
        if (bytes === 0) throw new AppError('recording.state_invalid', `The recording of session ${sessionId} holds no audio.`);
        const duration = await scanAudio(() => readRecordsLater(file, { records: nextSeq }), tools).then((s) => (s.packets > 0 ? s.durationSec : undefined), () => undefined);
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
        if ((await fileSize(raw)) > sealedSize(j.nextSeq, j.bytes)) await truncate(raw, sealedSize(j.nextSeq, j.bytes));
        if (j.bytes === 0) throw new AppError('recording.recovery_failed', `The interrupted recording of session ${sessionId} holds no audio.`);
        const out = recoveredPath(m);
        const { scan } = await rebuildRecording(() => readRecordsLater(raw, { records: j.nextSeq, plainBytes: j.bytes }), {
          write: (stream: Readable) => sealStream(out, stream as AsyncIterable<Buffer>),
          input: () => readRecordsLater(out),
          remove: () => rm(out, { force: true }),
        }, containerOf(m.mimeType), tools);
        return complete(m, out, true, scan.durationSec);
      });
    },

    async list() {
      await ready();
      const out: RecordingSummary[] = [];
      for (const name of await sessionIds()) {
        const m = await readManifest(name).catch(() => undefined);
        if (m) out.push(await summaryOf(m));
      }
      return out.sort((x, y) => y.startedAt.localeCompare(x.startedAt));
    },

    finished: finishedRef,

    async read(sessionId) {
      const ref = await finishedRef(sessionId);
      if ((await fileSize(ref.path)) === 0) throw new AppError('recording.missing', `The recording file is gone: ${ref.path}`);
      return plain(ref.path, { plainBytes: ref.bytes });
    },

    async open(sessionId) {
      const ref = await finishedRef(sessionId);
      return openRecordFile(ref.path, await key(), aadOf(ref.path), ref.bytes);
    },

    async close() {
      for (const id of [...active.keys()]) await serial(id, () => closeActive(id));
    },
  };

  /** A synchronous iterable factory for the media tools: the key is fetched when reading starts. */
  async function* readRecordsLater(file: string, o: { records?: number; plainBytes?: number } = {}): AsyncGenerator<Buffer> {
    yield* await plain(file, o);
  }
}

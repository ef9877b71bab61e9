import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStereoOpusWebm } from '../../backend/src/testing/audio-fixtures';
import { validateRecording } from '../../backend/src/audio/validate-recording';
import { createRecordingStore } from './recording-store';
import { createAesGcmCipher, type SecretCipher } from './secret-store';
import { createWrappedKeyStore } from './storage-key';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-recstore-'));
const limits = { maxBytes: 50_000_000, maxDurationSec: 3600 };
let webm: Buffer;
let fullDurationSec: number;
beforeAll(async () => {
  // Written through a pipe like MediaRecorder output: no duration and no cues in the header.
  const f = await makeStereoOpusWebm(dir, { streamed: true, name: 'mediarecorder-like.webm' });
  webm = readFileSync(f.path);
  fullDurationSec = f.durationSec;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Splits bytes into uneven chunks, as a recorder's timeslices would. */
function chunksOf(bytes: Buffer, sizes = [1400, 3100, 777, 5000]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);
const dataDir = () => mkdtempSync(path.join(dir, 'data-'));
/** The Node stand-in for safeStorage: AES-GCM with a key of its own, as the browser harness uses. */
const osKey = randomBytes(32);
const keysIn = (data: string, cipher: SecretCipher = createAesGcmCipher(osKey, 'test')) => createWrappedKeyStore({ file: path.join(data, 'data-key.json'), cipher });
const storeIn = (data: string) => createRecordingStore({ dataDir: data, keys: keysIn(data) });
const newStore = () => storeIn(dataDir());
async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of chunks) out.push(c);
  return Buffer.concat(out);
}
/** The decrypted recording as a file the backend's validation can read (tests only). */
async function plainCopy(store: ReturnType<typeof newStore>, sessionId: string): Promise<string> {
  const file = path.join(dir, `plain-${randomUUID()}.webm`);
  writeFileSync(file, await collect(await store.read(sessionId)));
  return file;
}
/** Every file under a folder, read whole. */
function filesUnder(d: string): { file: string; bytes: Buffer }[] {
  return readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .map((file) => ({ file, bytes: readFileSync(file) }));
}

describe('recording store', () => {
  it('appends chunks in order and finishes with the bytes, sha256 and duration of what was recorded', async () => {
    const data = dataDir();
    const store = storeIn(data);
    const id = randomUUID();
    await store.start(id, 'audio/webm;codecs=opus');
    const chunks = chunksOf(webm);
    for (const [seq, c] of chunks.entries()) expect((await store.append(id, seq, c)).duplicate).toBe(false);
    const ref = await store.finish(id);
    expect(ref).toMatchObject({ sessionId: id, bytes: webm.length, sha256: sha(webm), recovered: false });
    expect((await collect(await store.read(id))).equals(webm)).toBe(true);
    expect(ref.durationSec).toBeGreaterThan(fullDurationSec - 0.5);
    expect(await store.finish(id)).toEqual(ref);
    const [s] = await store.list();
    expect(s).toMatchObject({ sessionId: id, state: 'finished', finished: ref });
    await expect(validateRecording(await plainCopy(store, id), limits)).resolves.toMatchObject({ channels: 2, codec: 'opus' });
    // At rest: no file holds any 64-byte run of the audio, and what holds the recording is 0600.
    const probes = [1000, Math.floor(webm.length / 2), webm.length - 100].map((at) => webm.subarray(at, at + 64));
    for (const f of filesUnder(data)) for (const p of probes) expect(f.bytes.includes(p), f.file).toBe(false);
    expect(statSync(ref.path).mode & 0o777).toBe(0o600);
    expect(ref.path.endsWith('.enc')).toBe(true);
  });

  it('acknowledges a resent chunk once, and refuses gaps, changed bytes and appends after finish', async () => {
    const store = newStore();
    const id = randomUUID();
    await store.start(id, 'audio/webm');
    const [a, b, c] = chunksOf(webm);
    await store.append(id, 0, a!);
    await store.append(id, 1, b!);
    expect(await store.append(id, 1, b!)).toEqual({ seq: 1, bytes: a!.length + b!.length, duplicate: true });
    expect(await codeOf(store.append(id, 1, c!))).toBe('recording.sequence_conflict');
    expect(await codeOf(store.append(id, 3, c!))).toBe('recording.sequence_gap');
    await store.append(id, 2, c!);
    const ref = await store.finish(id);
    expect(ref.bytes).toBe(a!.length + b!.length + c!.length);
    expect(await codeOf(store.append(id, 3, c!))).toBe('recording.state_invalid');
    expect(await codeOf(store.start(id, 'audio/webm'))).toBe('recording.state_invalid');
    expect(await codeOf(store.append(randomUUID(), 0, a!))).toBe('recording.not_found');
  });

  it('finds a recording cut by a crash mid-cluster on the next start and rebuilds it so the backend accepts it', async () => {
    const data = dataDir();
    const crashed = storeIn(data);
    const id = randomUUID();
    await crashed.start(id, 'audio/webm;codecs=opus');
    // Stop at an arbitrary byte (not a cluster or chunk boundary) …
    const cutAt = Math.floor(webm.length * 0.63) + 17;
    const chunks = chunksOf(webm.subarray(0, cutAt));
    for (const [seq, c] of chunks.entries()) await crashed.append(id, seq, c);
    // … and a torn write the journal never acknowledged.
    const raw = path.join(data, 'recordings', id, 'recording.webm.enc');
    appendFileSync(raw, randomBytes(333));
    const rawCopy = path.join(dir, `raw-${id}.webm`);
    appendFileSync(rawCopy, webm.subarray(0, cutAt));
    // The crashed instance is dropped without finish or close.

    const next = storeIn(data);
    const [found] = await next.list();
    expect(found).toMatchObject({ sessionId: id, state: 'interrupted', nextSeq: chunks.length, bytes: cutAt, finished: null });
    expect(await codeOf(next.start(id, 'audio/webm;codecs=opus'))).toBe('recording.state_invalid');
    expect(await codeOf(next.finish(id))).toBe('recording.state_invalid');
    expect(await codeOf(validateRecording(rawCopy, limits))).toBe('recording.corrupt');

    const ref = await next.recover(id);
    expect(ref.recovered).toBe(true);
    expect(ref.sha256).toBe(sha(await collect(await next.read(id))));
    expect(path.basename(ref.path)).toBe('recovered.webm.enc');
    const probe = await validateRecording(await plainCopy(next, id), limits);
    expect(probe).toMatchObject({ container: 'webm', codec: 'opus', channels: 2 });
    // What was written before the cut is there (within one cluster-cut frame), nothing after it.
    expect(probe.durationSec).toBeGreaterThan(fullDurationSec * 0.5);
    expect(probe.durationSec).toBeLessThan(fullDurationSec * 0.75);
    expect(ref.durationSec).toBeCloseTo(probe.durationSec, 2);
    expect(await next.recover(id)).toEqual(ref);
    expect(await next.finished(id)).toEqual(ref);
    expect((await next.list())[0]).toMatchObject({ state: 'finished', finished: ref });
  });

  it('recovers a recording whose renderer died while this run still had it open', async () => {
    const store = newStore();
    const id = randomUUID();
    await store.start(id, 'audio/webm');
    for (const [seq, c] of chunksOf(webm.subarray(0, Math.floor(webm.length * 0.4))).entries()) await store.append(id, seq, c);
    expect((await store.list())[0]?.state).toBe('recording');
    await store.recover(id);
    await expect(validateRecording(await plainCopy(store, id), limits)).resolves.toMatchObject({ channels: 2 });
    expect(await codeOf(store.append(id, 99, webm.subarray(0, 10)))).toBe('recording.state_invalid');
  });

  it('says plainly when an interrupted recording holds nothing that can be rebuilt', async () => {
    const data = dataDir();
    const crashed = storeIn(data);
    const id = randomUUID();
    await crashed.start(id, 'audio/webm');
    await crashed.append(id, 0, webm.subarray(0, 60));
    const next = storeIn(data);
    expect(await codeOf(next.recover(id))).toBe('recording.recovery_failed');
    const empty = randomUUID();
    await next.start(empty, 'audio/webm');
    await next.close();
    expect(await codeOf(storeIn(data).recover(empty))).toBe('recording.recovery_failed');
  });
});

describe('recording store at rest', () => {
  async function finishedIn(data: string, id = randomUUID()) {
    const store = storeIn(data);
    await store.start(id, 'audio/webm');
    for (const [seq, c] of chunksOf(webm).entries()) await store.append(id, seq, c);
    return { store, id, ref: await store.finish(id) };
  }

  it('does not open a recording moved over another session, changed by a byte, or read with another data key', async () => {
    const data = dataDir();
    const a = await finishedIn(data);
    const b = await finishedIn(data);
    copyFileSync(a.ref.path, b.ref.path);
    expect(await codeOf(collect(await b.store.read(b.id)))).toBe('crypto.integrity');

    const c = await finishedIn(data);
    const bytes = readFileSync(c.ref.path);
    bytes[bytes.length - 40]! ^= 1;
    writeFileSync(c.ref.path, bytes);
    expect(await codeOf(collect(await c.store.read(c.id)))).toBe('crypto.integrity');

    // Cut at a record boundary: the manifest's byte count catches what GCM alone cannot.
    const d = await finishedIn(data);
    const first = 4 + 12 + 1400 + 16;
    writeFileSync(d.ref.path, readFileSync(d.ref.path).subarray(0, first));
    expect(await codeOf(collect(await d.store.read(d.id)))).toBe('crypto.integrity');

    // An interrupted recording with a changed record is not rebuilt from the records before it.
    const crashed = storeIn(data);
    const cut = randomUUID();
    await crashed.start(cut, 'audio/webm');
    for (const [seq, c] of chunksOf(webm).entries()) await crashed.append(cut, seq, c);
    const raw = path.join(data, 'recordings', cut, 'recording.webm.enc');
    const rawBytes = readFileSync(raw);
    rawBytes[Math.floor(rawBytes.length / 2)]! ^= 1;
    writeFileSync(raw, rawBytes);
    expect(await codeOf(storeIn(data).recover(cut))).toBe('crypto.integrity');
    expect(readdirSync(path.dirname(raw)).filter((n) => n.startsWith('recovered'))).toEqual([]);

    // A new data key (the wrapped key file replaced): nothing opens.
    rmSync(path.join(data, 'data-key.json'));
    const e = storeIn(data);
    expect(await codeOf(collect(await e.read(a.id)))).toBe('crypto.integrity');
  });

  it('refuses to record when the OS key store cannot protect the key, and writes nothing', async () => {
    const data = dataDir();
    const basicText: SecretCipher = { ...createAesGcmCipher(osKey, 'safeStorage:basic_text'), isAvailable: () => false };
    const store = createRecordingStore({ dataDir: data, keys: keysIn(data, basicText) });
    expect(await codeOf(store.start(randomUUID(), 'audio/webm'))).toBe('crypto.key_unavailable');
    expect(filesUnder(data)).toEqual([]);
    // The keyring changed since the key was wrapped: said plainly, not a crash.
    const { id } = await finishedIn(data);
    const other = createRecordingStore({ dataDir: data, keys: keysIn(data, createAesGcmCipher(randomBytes(32), 'test')) });
    expect(await codeOf(other.read(id).then(collect))).toBe('crypto.key_unavailable');
  });

  it('encrypts the plaintext recordings an earlier version left (finished and interrupted) and removes the plaintext', async () => {
    const data = dataDir();
    const finished = randomUUID();
    const interrupted = randomUUID();
    const fdir = path.join(data, 'recordings', finished);
    const idir = path.join(data, 'recordings', interrupted);
    mkdirSync(fdir, { recursive: true });
    mkdirSync(idir, { recursive: true });
    const fpath = path.join(fdir, 'recording.webm');
    writeFileSync(fpath, webm);
    const fref = { sessionId: finished, path: fpath, mimeType: 'audio/webm', bytes: webm.length, sha256: sha(webm), recovered: false, durationSec: fullDurationSec };
    writeFileSync(path.join(fdir, 'manifest.json'), JSON.stringify({ version: 1, sessionId: finished, mimeType: 'audio/webm', startedAt: '2026-01-01T00:00:00.000Z', finished: fref }));
    // Interrupted: three journaled chunks, and a torn tail the journal never acknowledged.
    const parts = chunksOf(webm.subarray(0, Math.floor(webm.length * 0.6)), [20_000]);
    let end = 0;
    const journal = parts.map((p, i) => `${i} ${(end += p.length)} ${sha(p).slice(0, 32)}
`).join('');
    writeFileSync(path.join(idir, 'recording.webm'), Buffer.concat([...parts, webm.subarray(end, end + 500)]));
    writeFileSync(path.join(idir, 'chunks.journal'), journal);
    writeFileSync(path.join(idir, 'manifest.json'), JSON.stringify({ version: 1, sessionId: interrupted, mimeType: 'audio/webm', startedAt: '2026-01-02T00:00:00.000Z', finished: null }));

    const store = storeIn(data);
    const list = await store.list();
    expect(list.map((s) => [s.sessionId, s.state, s.bytes])).toEqual([
      [interrupted, 'interrupted', end],
      [finished, 'finished', webm.length],
    ]);
    expect((await collect(await store.read(finished))).equals(webm)).toBe(true);
    expect((await store.finished(finished)).path).toBe(path.join(fdir, 'recording.webm.enc'));
    const ref = await store.recover(interrupted);
    await expect(validateRecording(await plainCopy(store, interrupted), limits)).resolves.toMatchObject({ channels: 2 });
    expect(ref.recovered).toBe(true);
    const probe = webm.subarray(5000, 5064);
    for (const f of filesUnder(data)) expect(f.bytes.includes(probe), f.file).toBe(false);
    expect(readdirSync(fdir).sort()).toEqual(['manifest.json', 'recording.webm.enc']);
  });
});

import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStereoOpusWebm } from '../../backend/src/testing/audio-fixtures';
import { validateRecording } from '../../backend/src/audio/validate-recording';
import { createRecordingStore } from './recording-store';

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

describe('recording store', () => {
  it('appends chunks in order and finishes with the bytes, sha256 and duration of what was recorded', async () => {
    const store = createRecordingStore({ dataDir: dataDir() });
    const id = randomUUID();
    await store.start(id, 'audio/webm;codecs=opus');
    const chunks = chunksOf(webm);
    for (const [seq, c] of chunks.entries()) expect((await store.append(id, seq, c)).duplicate).toBe(false);
    const ref = await store.finish(id);
    expect(ref).toMatchObject({ sessionId: id, bytes: webm.length, sha256: sha(webm), recovered: false });
    expect(readFileSync(ref.path).equals(webm)).toBe(true);
    expect(ref.durationSec).toBeGreaterThan(fullDurationSec - 0.5);
    expect(await store.finish(id)).toEqual(ref);
    const [s] = await store.list();
    expect(s).toMatchObject({ sessionId: id, state: 'finished', finished: ref });
    await expect(validateRecording(ref.path, limits)).resolves.toMatchObject({ channels: 2, codec: 'opus' });
  });

  it('acknowledges a resent chunk once, and refuses gaps, changed bytes and appends after finish', async () => {
    const store = createRecordingStore({ dataDir: dataDir() });
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
    const crashed = createRecordingStore({ dataDir: data });
    const id = randomUUID();
    await crashed.start(id, 'audio/webm;codecs=opus');
    // Stop at an arbitrary byte (not a cluster or chunk boundary) …
    const cutAt = Math.floor(webm.length * 0.63) + 17;
    const chunks = chunksOf(webm.subarray(0, cutAt));
    for (const [seq, c] of chunks.entries()) await crashed.append(id, seq, c);
    // … and a torn write the journal never acknowledged.
    const raw = path.join(data, 'recordings', id, 'recording.webm');
    appendFileSync(raw, webm.subarray(cutAt, cutAt + 333));
    const rawCopy = path.join(dir, `raw-${id}.webm`);
    appendFileSync(rawCopy, readFileSync(raw));
    // The crashed instance is dropped without finish or close.

    const next = createRecordingStore({ dataDir: data });
    const [found] = await next.list();
    expect(found).toMatchObject({ sessionId: id, state: 'interrupted', nextSeq: chunks.length, bytes: cutAt, finished: null });
    expect(await codeOf(next.start(id, 'audio/webm;codecs=opus'))).toBe('recording.state_invalid');
    expect(await codeOf(next.finish(id))).toBe('recording.state_invalid');
    expect(await codeOf(validateRecording(rawCopy, limits))).toBe('recording.corrupt');

    const ref = await next.recover(id);
    expect(ref.recovered).toBe(true);
    expect(ref.sha256).toBe(sha(readFileSync(ref.path)));
    const probe = await validateRecording(ref.path, limits);
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
    const store = createRecordingStore({ dataDir: dataDir() });
    const id = randomUUID();
    await store.start(id, 'audio/webm');
    for (const [seq, c] of chunksOf(webm.subarray(0, Math.floor(webm.length * 0.4))).entries()) await store.append(id, seq, c);
    expect((await store.list())[0]?.state).toBe('recording');
    const ref = await store.recover(id);
    await expect(validateRecording(ref.path, limits)).resolves.toMatchObject({ channels: 2 });
    expect(await codeOf(store.append(id, 99, webm.subarray(0, 10)))).toBe('recording.state_invalid');
  });

  it('says plainly when an interrupted recording holds nothing that can be rebuilt', async () => {
    const data = dataDir();
    const crashed = createRecordingStore({ dataDir: data });
    const id = randomUUID();
    await crashed.start(id, 'audio/webm');
    await crashed.append(id, 0, webm.subarray(0, 60));
    const next = createRecordingStore({ dataDir: data });
    expect(await codeOf(next.recover(id))).toBe('recording.recovery_failed');
    const empty = randomUUID();
    await next.start(empty, 'audio/webm');
    await next.close();
    expect(await codeOf(createRecordingStore({ dataDir: data }).recover(empty))).toBe('recording.recovery_failed');
  });
});

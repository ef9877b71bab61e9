import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadItem } from '../../app/contracts/ipc/uploads';
import { startApiHarness, type ApiHarness } from '../../backend/src/testing/api-harness';
import { makeStereoSpeechWav } from '../../backend/src/testing/audio-fixtures';
import { addApiToken, revokeApiTokenSecret } from '../../backend/src/db/repositories/identity';
import { backoffDelayMs, createUploadQueue, type UploadQueue, type UploadQueueOptions } from './upload-queue';

let h: ApiHarness;
let user: { token: string; orgId: string; userId: string };
let wav: { path: string; sha256: string; bytes: number };
const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-upq-'));
const queues: UploadQueue[] = [];

beforeAll(async () => {
  h = await startApiHarness();
  user = await h.user();
  // ~0.6 MB: several 64 KiB tus chunks, so an upload can be cut in the middle.
  const f = await makeStereoSpeechWav(dir, { name: 'session.wav', gapSec: 2 });
  wav = { path: f.path, sha256: createHash('sha256').update(readFileSync(f.path)).digest('hex'), bytes: statSync(f.path).size };
});
afterAll(async () => {
  for (const q of queues) await q.stop();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
async function newSession(): Promise<string> {
  const res = await fetch(`${h.url}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Queue test', rubricId: 'communication-general', participants: [{ channel: 0, displayName: 'A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'B', roleLabel: 'Patient', consent }] }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}
const serverRecording = async (id: string) =>
  ((await (await fetch(`${h.url}/v1/sessions/${id}`, { headers: { authorization: `Bearer ${user.token}` } })).json()) as { status: string; recording: { sha256: string } | null });

/** A queue plus a way to wait for one of its item states. */
function queueOver(dataDir: string, endpoint: string, extra: Partial<UploadQueueOptions> = {}) {
  const seen: UploadItem[] = [];
  const waiters: { pred: (i: UploadItem) => boolean; resolve: (i: UploadItem) => void }[] = [];
  const queue = createUploadQueue({
    dataDir,
    endpoint: () => endpoint,
    token: async () => user.token,
    chunkSize: 64 * 1024,
    retryDelaysMs: [50, 100, 200],
    ...extra,
    onChange(item) {
      seen.push(item);
      extra.onChange?.(item);
      for (const w of [...waiters]) {
        if (!w.pred(item)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(item);
      }
    },
  });
  queues.push(queue);
  const until = (pred: (i: UploadItem) => boolean) => new Promise<UploadItem>((resolve) => waiters.push({ pred, resolve }));
  return { queue, seen, until };
}

/** A TCP proxy in front of the API that can go "offline" (stop listening, drop connections) and come back on the same port. */
async function flakyLink(target: string) {
  const { port: targetPort } = new URL(target);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let dropAnswers = false;
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    async up() {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(targetPort), '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream);
        upstream.on('data', (d: Buffer) => {
          // The server answered, but the client never hears it: its connection just breaks.
          if (dropAnswers) {
            dropAnswers = false;
            client.destroy();
          } else client.write(d);
        });
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    },
    cut() {
      for (const s of sockets) s.destroy();
    },
    /** The next answer from the server is swallowed and the client's connection dropped. */
    loseNextAnswer() {
      dropAnswers = true;
    },
    async down() {
      this.cut();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      server = undefined;
    },
  };
}

describe('upload queue (tus against the real API)', () => {
  it('uploads a finished recording and the server stores the same sha256', async () => {
    const id = await newSession();
    const { queue, until } = queueOver(mkdtempSync(path.join(dir, 'q-')), `${h.url}/v1/uploads`);
    queue.start();
    const item = await queue.enqueue({ sessionId: id, path: wav.path, sha256: wav.sha256, bytes: wav.bytes });
    expect(item.state).toBe('queued');
    expect((await queue.enqueue({ sessionId: id, path: wav.path, sha256: wav.sha256, bytes: wav.bytes })).id).toBe(item.id);
    const done = await until((i) => i.state === 'completed');
    expect(done).toMatchObject({ bytesSent: wav.bytes, attempts: 1, error: null });
    expect(done.recordingId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await serverRecording(id)).toMatchObject({ status: 'recording_uploaded', recording: { sha256: wav.sha256 } });
  });

  it('asks for the token before every request: an upload outlives its access token (revoked after the first chunk) in one attempt', async () => {
    const id = await newSession();
    const first = `t-first-${Date.now()}`;
    const second = `t-second-${Date.now()}`;
    await h.tdb.db.withOrg(user.orgId, async (tx) => {
      await addApiToken(tx, { userId: user.userId, token: first });
      await addApiToken(tx, { userId: user.userId, token: second });
    });
    // The token the upload started with stops working before its second chunk, as an expired one
    // would: from then on the supplier answers the new one (as the token store does after a refresh).
    let calls = 0;
    let current = first;
    const { queue, until } = queueOver(mkdtempSync(path.join(dir, 'q-')), `${h.url}/v1/uploads`, {
      token: async () => {
        if (++calls === 4) {
          await h.tdb.db.withOrg(user.orgId, (tx) => revokeApiTokenSecret(tx, first));
          current = second;
        }
        return current;
      },
    });
    queue.start();
    await queue.enqueue({ sessionId: id, path: wav.path, sha256: wav.sha256, bytes: wav.bytes });
    const done = await until((i) => i.state === 'completed' || i.state === 'failed');
    expect(done).toMatchObject({ state: 'completed', attempts: 1, error: null });
    // Asked once per request (creation, every PATCH, the check), not once per attempt.
    expect(calls).toBeGreaterThan(wav.bytes / (64 * 1024));
    expect(current).toBe(second);
  });

  it('resumes from the persisted upload URL after the app stopped mid-upload, in a new queue instance', async () => {
    const id = await newSession();
    const data = mkdtempSync(path.join(dir, 'q-'));
    const first = queueOver(data, `${h.url}/v1/uploads`);
    first.queue.start();
    await first.queue.enqueue({ sessionId: id, path: wav.path, sha256: wav.sha256, bytes: wav.bytes });
    await first.until((i) => i.bytesSent >= 128 * 1024);
    await first.queue.stop();

    const second = queueOver(data, `${h.url}/v1/uploads`);
    const [left] = await second.queue.list();
    expect(left).toMatchObject({ sessionId: id, state: 'queued' });
    expect(left!.uploadUrl).toBeTruthy();
    const head = await fetch(left!.uploadUrl!, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${user.token}` } });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(wav.bytes);

    second.queue.start();
    const done = await second.until((i) => i.state === 'completed');
    expect(done.uploadUrl).toBe(left!.uploadUrl);
    // Started over from zero, the first tus progress would report one chunk (64 KiB) < offset.
    expect(second.seen.length).toBeGreaterThan(2);
    expect(Math.min(...second.seen.map((i) => i.bytesSent))).toBeGreaterThanOrEqual(offset);
    expect((await serverRecording(id)).recording?.sha256).toBe(wav.sha256);
  });

  it('keeps an upload waiting with backoff while the server is unreachable and completes once it is back', async () => {
    const id = await newSession();
    const link = await flakyLink(h.url);
    const { queue, until, seen } = queueOver(mkdtempSync(path.join(dir, 'q-')), `${link.url}/v1/uploads`);
    queue.start();
    await queue.enqueue({ sessionId: id, path: wav.path, sha256: wav.sha256, bytes: wav.bytes });
    const waiting = await until((i) => i.state === 'waiting' && i.attempts >= 3);
    expect(waiting.error?.code).toBe('upload.unreachable');
    expect(waiting.error?.message).toMatch(/ECONNREFUSED/);
    expect(Date.parse(waiting.nextAttemptAt!)).toBeGreaterThan(0);
    expect((await queue.list())[0]?.state).toMatch(/waiting|uploading/);
    expect(seen.some((i) => i.state === 'completed')).toBe(false);

    await link.up();
    const done = await until((i) => i.state === 'completed');
    expect(done.error).toBeNull();
    expect((await serverRecording(id)).recording?.sha256).toBe(wav.sha256);
    await link.down();
  });

  it('retries by itself after the connection drops mid-upload and continues from the server offset', async () => {
    const id = await newSession();
    const link = await flakyLink(h.url);
    await link.up();
    let cut = false;
    const { queue, until, seen } = queueOver(mkdtempSync(path.join(dir, 'q-')), `${link.url}/v1/uploads`, {
      onChange(i) {
        if (!cut && i.bytesSent >= 128 * 1024) {
          cut = true;
          link.cut();
        }
      },
    });
    queue.start();
    await queue.enqueue({ sessionId: id, path: wav.path, sha256: wav.sha256, bytes: wav.bytes });
    const done = await until((i) => i.state === 'completed');
    expect(seen.some((i) => i.state === 'waiting' && i.error?.code === 'upload.unreachable')).toBe(true);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect((await serverRecording(id)).recording?.sha256).toBe(wav.sha256);
    await link.down();
  });

  it('counts an upload whose finishing answer was lost as done once the server shows the recording, without uploading again', async () => {
    const id = await newSession();
    const link = await flakyLink(h.url);
    await link.up();
    let armed = false;
    const { queue, until, seen } = queueOver(mkdtempSync(path.join(dir, 'q-')), `${link.url}/v1/uploads`, {
      onChange(i) {
        // The last bytes are on their way: the server will accept the file, and its answer is lost.
        if (!armed && i.state === 'uploading' && i.bytesSent === wav.bytes) {
          armed = true;
          link.loseNextAnswer();
        }
      },
    });
    queue.start();
    await queue.enqueue({ sessionId: id, path: wav.path, sha256: wav.sha256, bytes: wav.bytes });
    const done = await until((i) => i.state === 'completed' || i.state === 'failed');
    expect(armed).toBe(true);
    expect(seen.some((i) => i.state === 'waiting' && i.error?.code === 'upload.unreachable')).toBe(true);
    expect(done).toMatchObject({ state: 'completed', attempts: 2 });
    expect((await serverRecording(id)).recording?.sha256).toBe(wav.sha256);
    // Uploaded once: no second tus upload was created.
    expect(new Set(seen.map((i) => i.uploadUrl).filter(Boolean)).size).toBe(1);
    const rows = await h.tdb.db.withOrg(user.orgId, (tx) => tx.query('SELECT count(*)::int AS n FROM recordings WHERE session_id = $1', [id]));
    expect(rows.rows[0]).toEqual({ n: 1 });
    await link.down();
  });

  it('fails without retrying when the server refuses the recording, with the server code', async () => {
    const id = await newSession();
    const { queue, until } = queueOver(mkdtempSync(path.join(dir, 'q-')), `${h.url}/v1/uploads`);
    queue.start();
    const item = await queue.enqueue({ sessionId: id, path: wav.path, sha256: 'b'.repeat(64), bytes: wav.bytes });
    const failed = await until((i) => i.state === 'failed');
    expect(failed.error?.code).toBe('recording.checksum_mismatch');
    expect(failed.attempts).toBe(1);
    expect((await serverRecording(id)).recording).toBeNull();
    const cancelled = await queue.cancel(item.id);
    expect(cancelled.state).toBe('cancelled');
  });

  it('backs off along the configured delays and stays at the last one', () => {
    expect([1, 2, 3, 4, 9].map((n) => backoffDelayMs(n, [10, 20, 40]))).toEqual([10, 20, 40, 40, 40]);
  });
});

import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { z } from 'zod';
import { AppError, ErrorCode, type ErrorData } from '../../app/contracts/errors';
import { UploadItem } from '../../app/contracts/ipc/uploads';
import { uploadRetryCanSucceed } from '../../app/contracts/upload-retry';
import { readJsonFile, writeJsonAtomic } from './atomic-file';
import type { PlainSource } from './sealed-file';

/**
 * Uploads finished recordings to the backend's tus endpoint, one at a time, in the order they were
 * queued. The queue (with each tus upload URL, as soon as the server created it) lives in
 * `<dataDir>/uploads/queue.json`, so a restarted app resumes an upload where the server's offset is.
 * Failures worth retrying (offline, 5xx, 423/429) wait with growing backoff; a refusal by the server
 * (bad checksum, no consent, …) fails the item with the server's code until `retry`.
 * `completed` means the server confirmed the recording: by the finishing response, or, when that
 * response was lost (connection cut while the server checked the file, app restart), by the
 * session showing our sha256. tus alone cannot tell: a HEAD with the full offset only says the
 * bytes arrived, not that the server accepted them.
 */
export interface UploadQueueOptions {
  dataDir: string;
  /** The tus creation endpoint, e.g. `${backendUrl}/v1/uploads` (read on every attempt: settings may change). */
  endpoint: () => string | Promise<string>;
  /** The bearer token of the signed-in user, or null. */
  token: () => Promise<string | null>;
  /**
   * The session resource that tells whether the server holds our recording (its sha256). Default:
   * the endpoint with `/uploads` replaced by `/sessions/<id>` (the backend's API layout).
   */
  sessionUrl?: (sessionId: string) => string | Promise<string>;
  /** Waits before asking again whether the server accepted an upload it did not confirm (default 0.1 → 1.6 s). */
  confirmDelaysMs?: number[];
  /** Waits after consecutive failed attempts; the last repeats. */
  retryDelaysMs?: number[];
  chunkSize?: number;
  /**
   * The bytes to upload for an item (default: the file at `item.path`). The desktop passes the
   * recording store's decrypting reader: recordings are encrypted at rest, the server gets plaintext.
   */
  source?: (item: UploadItem) => Promise<PlainSource>;
  onChange?: (item: UploadItem) => void;
}

export interface UploadQueue {
  /** Starts working through the queue (also resumes what a previous run left). */
  start(): void;
  /** Aborts the transfer in progress (the server keeps what it got), persists, and stops. */
  stop(): Promise<void>;
  enqueue(input: { sessionId: string; path: string; sha256: string; bytes: number }): Promise<UploadItem>;
  list(): Promise<UploadItem[]>;
  retry(id: string): Promise<UploadItem>;
  cancel(id: string): Promise<UploadItem>;
  /** Tries waiting items now, e.g. when the OS reports the network is back. */
  wake(): void;
}

export const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

/** The wait after the n-th consecutive failure (n ≥ 1). */
export function backoffDelayMs(failures: number, delays: readonly number[] = DEFAULT_RETRY_DELAYS_MS): number {
  if (delays.length === 0) return 0;
  return delays[Math.min(Math.max(failures, 1), delays.length) - 1]!;
}

const QueueFile = z.object({ version: z.literal(1), items: z.array(UploadItem) });

/** The upload in progress; `abort` may come before the tus upload exists (while reading the token). */
interface Slot {
  id: string;
  upload: tus.Upload | null;
  stopRequested: boolean;
  done: Promise<void>;
  abort: () => Promise<void>;
}

type Outcome = { kind: 'done'; recordingId: string | null; confirmed: boolean } | { kind: 'aborted' } | { kind: 'error'; retry: boolean; error: ErrorData };

export function createUploadQueue(opts: UploadQueueOptions): UploadQueue {
  const file = path.join(opts.dataDir, 'uploads', 'queue.json');
  const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  let items: UploadItem[] | undefined;
  let loading: Promise<UploadItem[]> | undefined;
  let running = false;
  let current: Slot | undefined;
  let timer: NodeJS.Timeout | undefined;
  let writes: Promise<void> = Promise.resolve();
  const failures = new Map<string, number>();

  function load(): Promise<UploadItem[]> {
    if (items) return Promise.resolve(items);
    loading ??= readJsonFile(file, QueueFile).then((q) => {
      // An item that was uploading when the app died resumes from the server's offset.
      items = (q?.items ?? []).map((i) => (i.state === 'uploading' ? { ...i, state: 'queued' as const } : i));
      return items;
    });
    return loading;
  }

  function persist(): Promise<void> {
    const snapshot = { version: 1 as const, items: items ?? [] };
    writes = writes.then(() => writeJsonAtomic(file, snapshot)).catch(() => undefined);
    return writes;
  }

  async function update(id: string, patch: Partial<UploadItem>): Promise<UploadItem> {
    const list = await load();
    const i = list.findIndex((x) => x.id === id);
    if (i < 0) throw new AppError('upload.not_found', `No upload ${id}.`);
    const next = { ...list[i]!, ...patch };
    list[i] = next;
    // Tell listeners at once (progress bars); the fsync'd write follows in order.
    opts.onChange?.(next);
    await persist();
    return next;
  }

  function schedule(): void {
    if (!running || current) return;
    clearTimeout(timer);
    timer = undefined;
    void load().then((list) => {
      if (!running || current) return;
      const now = Date.now();
      const due = list.find((i) => i.state === 'queued' || (i.state === 'waiting' && Date.parse(i.nextAttemptAt ?? '') <= now));
      if (due) {
        void run(due.id);
        return;
      }
      const next = list.filter((i) => i.state === 'waiting').map((i) => Date.parse(i.nextAttemptAt ?? '') - now);
      if (next.length) timer = setTimeout(schedule, Math.max(0, Math.min(...next)));
    });
  }

  async function run(id: string): Promise<void> {
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const slot: Slot = {
      id,
      upload: null,
      stopRequested: false,
      done,
      async abort() {
        slot.stopRequested = true;
        await slot.upload?.abort(false);
      },
    };
    current = slot;
    try {
      const item = await update(id, { state: 'uploading', attempts: ((await load()).find((x) => x.id === id)?.attempts ?? 0) + 1, error: null, nextAttemptAt: null });
      const sentBefore = item.bytesSent;
      // A previous attempt may have delivered everything without hearing the answer.
      const already = item.uploadUrl ? await serverHas(item) : false;
      const outcome: Outcome = already ? { kind: 'done', recordingId: null, confirmed: true } : await transfer(item, slot);
      if (outcome.kind === 'done' && (outcome.confirmed || (await confirmed(item, slot)))) {
        failures.delete(id);
        await update(id, { state: 'completed', bytesSent: item.bytes, completedAt: new Date().toISOString(), recordingId: outcome.recordingId, error: null });
      } else if (outcome.kind === 'done' && slot.stopRequested) {
        await update(id, { state: 'queued' });
      } else if (outcome.kind === 'done') {
        const n = (failures.get(id) ?? 0) + 1;
        failures.set(id, n);
        const error: ErrorData = { code: 'upload.failed', message: 'All bytes reached the server but it has not confirmed the recording yet; asking again later.' };
        await update(id, { state: 'waiting', error, nextAttemptAt: new Date(Date.now() + backoffDelayMs(n, delays)).toISOString() });
      } else if (outcome.kind === 'aborted') {
        const now = (await load()).find((x) => x.id === id);
        if (now?.state === 'uploading') await update(id, { state: 'queued' });
      } else if (outcome.retry) {
        const latest = (await load()).find((x) => x.id === id);
        // Progress in this attempt means the link works: start the backoff over.
        const n = latest && latest.bytesSent > sentBefore ? 1 : (failures.get(id) ?? 0) + 1;
        failures.set(id, n);
        await update(id, { state: 'waiting', error: outcome.error, nextAttemptAt: new Date(Date.now() + backoffDelayMs(n, delays)).toISOString() });
      } else {
        failures.delete(id);
        await update(id, { state: 'failed', error: outcome.error, nextAttemptAt: null });
      }
    } finally {
      current = undefined;
      finish();
      schedule();
    }
  }

  /** True when the session on the server holds a recording with our sha256; false when not or unknown. */
  async function serverHas(item: UploadItem): Promise<boolean> {
    try {
      const [endpoint, token] = await Promise.all([opts.endpoint(), opts.token()]);
      const url = opts.sessionUrl ? await opts.sessionUrl(item.sessionId) : `${endpoint.replace(/\/uploads\/?$/, '')}/sessions/${item.sessionId}`;
      const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return false;
      const body = (await res.json()) as { recording?: { sha256?: unknown } | null };
      return body.recording?.sha256 === item.sha256;
    } catch {
      return false;
    }
  }

  async function confirmed(item: UploadItem, slot: Slot): Promise<boolean> {
    for (const wait of [0, ...(opts.confirmDelaysMs ?? [100, 200, 400, 800, 1600])]) {
      if (slot.stopRequested) return false;
      if (wait) await new Promise((r) => setTimeout(r, wait));
      if (await serverHas(item)) return true;
    }
    return false;
  }

  async function transfer(item: UploadItem, slot: Slot): Promise<Outcome> {
    let source: PlainSource | undefined;
    try {
      if (opts.source) source = await opts.source(item);
      else await access(item.path);
    } catch (e) {
      const error: ErrorData = e instanceof AppError && e.code !== 'recording.not_found' ? e.toData() : { code: 'recording.missing', message: `The recording file is gone: ${item.path}` };
      return { kind: 'error', retry: false, error };
    }
    const [endpoint, token] = await Promise.all([opts.endpoint(), opts.token()]);
    if (slot.stopRequested) {
      await source?.close();
      return { kind: 'aborted' };
    }
    return new Promise<Outcome>((resolve) => {
      let recordingId: string | null = null;
      const upload = new tus.Upload(source ? Buffer.alloc(0) : createReadStream(item.path), {
        ...(source ? { fileReader: tusReader(source) } : {}),
        endpoint,
        uploadUrl: item.uploadUrl,
        chunkSize: opts.chunkSize ?? 1024 * 1024,
        retryDelays: [],
        storeFingerprintForResuming: false,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        // Each request asks for the token again: an upload can outlive a short-lived access token
        // (the desktop's token store refreshes it), and a PATCH with the expired one would be refused.
        async onBeforeRequest(req) {
          const fresh = await opts.token().catch(() => null);
          if (fresh) req.setHeader('Authorization', `Bearer ${fresh}`);
        },
        metadata: { sessionId: item.sessionId, sha256: item.sha256, filename: path.basename(item.path) },
        onUploadUrlAvailable() {
          if (upload.url && upload.url !== item.uploadUrl) void update(item.id, { uploadUrl: upload.url });
        },
        onProgress(sent) {
          if (!slot.stopRequested) void update(item.id, { bytesSent: sent });
        },
        onAfterResponse(_req, res) {
          recordingId = res.getHeader('Recording-Id') ?? recordingId;
        },
        onSuccess() {
          // Only the finishing PATCH carries Recording-Id: without it the bytes are there but unconfirmed.
          resolve({ kind: 'done', recordingId, confirmed: recordingId !== null });
        },
        onError(e) {
          resolve(slot.stopRequested ? { kind: 'aborted' } : classify(e));
        },
      });
      slot.upload = upload;
      slot.abort = async () => {
        slot.stopRequested = true;
        await upload.abort(false);
        // tus calls neither onSuccess nor onError after abort.
        resolve({ kind: 'aborted' });
      };
      upload.start();
    });
  }

  return {
    start() {
      running = true;
      schedule();
    },

    async stop() {
      running = false;
      clearTimeout(timer);
      timer = undefined;
      const c = current;
      if (c) {
        await c.abort();
        await c.done;
      }
      await writes;
    },

    async enqueue(input) {
      const list = await load();
      const existing = list.find((i) => i.sessionId === input.sessionId && i.state !== 'cancelled');
      if (existing) return existing;
      const item: UploadItem = {
        id: randomUUID(),
        sessionId: input.sessionId,
        path: input.path,
        bytes: input.bytes,
        sha256: input.sha256,
        state: 'queued',
        bytesSent: 0,
        attempts: 0,
        uploadUrl: null,
        error: null,
        nextAttemptAt: null,
        createdAt: new Date().toISOString(),
        completedAt: null,
        recordingId: null,
      };
      list.push(item);
      await persist();
      opts.onChange?.(item);
      schedule();
      return item;
    },

    async list() {
      return [...(await load())];
    },

    async retry(id) {
      const item = (await load()).find((x) => x.id === id);
      if (!item) throw new AppError('upload.not_found', `No upload ${id}.`);
      if (item.state !== 'waiting' && item.state !== 'failed' && item.state !== 'cancelled') return item;
      failures.delete(id);
      const next = await update(id, { state: 'queued', error: null, nextAttemptAt: null });
      schedule();
      return next;
    },

    async cancel(id) {
      const item = (await load()).find((x) => x.id === id);
      if (!item) throw new AppError('upload.not_found', `No upload ${id}.`);
      if (item.state === 'completed') throw new AppError('request.invalid', 'This recording is already uploaded.');
      if (current?.id === id) {
        await current.abort();
        await current.done;
      }
      const next = await update(id, { state: 'cancelled', nextAttemptAt: null });
      if (next.uploadUrl) {
        const token = await opts.token().catch(() => null);
        // Frees the partial upload on the server; if that fails the server expires it later.
        await tus.Upload.terminate(next.uploadUrl, { headers: token ? { Authorization: `Bearer ${token}` } : {}, retryDelays: [] }).catch(() => undefined);
      }
      schedule();
      return next;
    },

    wake() {
      void load().then(async (list) => {
        for (const i of list) if (i.state === 'waiting') await update(i.id, { nextAttemptAt: new Date().toISOString() });
        schedule();
      });
    },
  };
}

/** tus reads a `PlainSource` (decrypted as read) instead of a file; tus closes it when the upload ends. */
function tusReader(source: PlainSource): tus.UploadOptions['fileReader'] {
  return {
    openFile: () =>
      Promise.resolve({
        size: source.size,
        async slice(start: number, end: number) {
          const value = await source.read(start, end);
          return { value: Object.assign(value, { size: value.length }), done: end >= source.size };
        },
        close: () => void source.close().catch(() => undefined),
      }),
  };
}

/** Network failures and server trouble are retried; the server refusing the recording is not. */
function classify(e: Error | tus.DetailedError): Outcome {
  const res = (e as tus.DetailedError).originalResponse;
  if (!res) return { kind: 'error', retry: true, error: { code: 'upload.unreachable', message: `The server could not be reached: ${rootMessage(e)}` } };
  const status = res.getStatus();
  let code: ErrorCode = 'upload.failed';
  let message = `The server answered ${status}.`;
  try {
    const body = JSON.parse(res.getBody() ?? '') as { code?: unknown; detail?: unknown };
    const parsed = ErrorCode.safeParse(body.code);
    if (parsed.success) code = parsed.data;
    if (typeof body.detail === 'string') message = body.detail;
  } catch {
    // Not problem+json (a proxy, tus' own plain-text answers): keep the status.
  }
  const retry = (status >= 500 || status === 423 || status === 429 || status === 409 || status === 408) && uploadRetryCanSucceed(code);
  return { kind: 'error', retry, error: { code, message, details: { status } } };
}

function rootMessage(e: Error): string {
  // tus wraps the socket error: "tus: failed to upload chunk …, caused by Error: connect ECONNREFUSED …".
  const m = /caused by (.*?)(?:, originated from|$)/.exec(e.message);
  return (m?.[1] ?? e.message).slice(0, 300);
}

import * as tus from 'tus-js-client';
import { CSRF_HEADER } from '../../app/contracts/web-session-api';
import { uploadRetryCanSucceed } from '../../app/contracts/upload-retry';
import type { UploadQueue, UploadView } from './platform';
import type { FinishedRecording } from './platform';

const STORAGE_KEY = 'feedback.uploads.v1';
/** Smaller PATCH requests lose less when the network drops mid-way. */
const CHUNK_BYTES = 1024 * 1024;
const MAX_BACKOFF_MS = 30_000;

interface Persisted extends UploadView {
  uploadUrl: string | null;
  attempts: number;
}

export interface WebUploadDeps {
  endpoint: () => Promise<string>;
  token: () => Promise<string | null>;
  /** The session cookie's CSRF token, sent when there is no bearer token (the cookie signs tus in; decision 025). */
  csrfToken?: () => Promise<string>;
  recording: (sessionId: string) => Promise<{ blob: Blob; finished: FinishedRecording }>;
  storeFile: (sessionId: string, file: Blob) => Promise<void>;
}

/** Statuses worth retrying: the server or the network, not the request. */
const retryable = (status: number) => status === 0 || status === 409 || status === 423 || status === 429 || status >= 500;

/**
 * tus uploads from the browser. The tus upload URL is kept in localStorage with the item, so a
 * reload resumes where the server stopped; offline items wait for the `online` event; failures
 * worth retrying back off exponentially; a refusal (4xx with a problem code) stops the item.
 */
export function createWebUploadQueue(deps: WebUploadDeps): UploadQueue {
  let items: Persisted[] = load();
  const listeners = new Set<(items: UploadView[]) => void>();
  const running = new Map<string, tus.Upload>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  function load(): Persisted[] {
    try {
      const rows = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as Persisted[];
      // An upload cut by a reload is simply queued again; it resumes at its uploadUrl.
      return rows.map((r) => (r.state === 'uploading' ? { ...r, state: 'queued' } : r));
    } catch {
      return [];
    }
  }
  function save() {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(items));
    const view = items.map(({ uploadUrl: _u, attempts: _a, ...v }) => v);
    for (const l of listeners) l(view);
  }
  function update(id: string, patch: Partial<Persisted>) {
    items = items.map((i) => (i.id === id ? { ...i, ...patch } : i));
    save();
  }
  const find = (id: string) => items.find((i) => i.id === id);

  async function run(id: string) {
    const item = find(id);
    if (!item || running.has(id) || item.state === 'completed' || item.state === 'failed') return;
    if (!navigator.onLine) return update(id, { state: 'waiting', error: { code: 'upload.unreachable', message: 'You are offline: the upload continues when the network is back.' }, nextAttemptAt: null });
    clearTimeout(timers.get(id));
    const [endpoint, token, rec] = await Promise.all([deps.endpoint(), deps.token(), deps.recording(item.sessionId)]);
    // No cookie session either: the server's refusal (auth.missing) becomes the item's error.
    const csrf = token ? null : await deps.csrfToken?.().catch(() => null);
    const auth: Record<string, string> = csrf ? { [CSRF_HEADER]: csrf } : { Authorization: `Bearer ${token ?? ''}` };
    update(id, { state: 'uploading', error: null, nextAttemptAt: null, attempts: item.attempts + 1 });
    const upload = new tus.Upload(rec.blob, {
      endpoint,
      uploadUrl: item.uploadUrl ?? undefined,
      chunkSize: CHUNK_BYTES,
      retryDelays: [],
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: true,
      headers: auth,
      metadata: { sessionId: item.sessionId, sha256: item.sha256, filename: `recording.${rec.finished.mimeType.includes('wav') ? 'wav' : 'webm'}`, filetype: rec.finished.mimeType },
      onUploadUrlAvailable() {
        update(id, { uploadUrl: upload.url });
      },
      onProgress(sent) {
        update(id, { bytesSent: sent });
      },
      onSuccess() {
        running.delete(id);
        update(id, { state: 'completed', bytesSent: item.bytes, error: null });
      },
      onError(e) {
        running.delete(id);
        const res = (e as tus.DetailedError).originalResponse;
        const status = res?.getStatus() ?? 0;
        let problem: { code?: string; detail?: string } = {};
        try {
          problem = JSON.parse(res?.getBody() ?? '{}') as typeof problem;
        } catch {
          /* not problem JSON */
        }
        const error = { code: problem.code ?? (status ? `http.${status}` : 'upload.unreachable'), message: problem.detail ?? (status ? `The server answered ${status}.` : 'The server could not be reached.') };
        // A stale upload URL (expired or gone): start a new upload next time.
        const stale = status === 404 || status === 410;
        if ((!retryable(status) || !uploadRetryCanSucceed(error.code)) && !stale) return update(id, { state: 'failed', error });
        const attempts = find(id)?.attempts ?? 1;
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(attempts - 1, 5));
        update(id, { state: 'waiting', error, nextAttemptAt: new Date(Date.now() + delay).toISOString(), ...(stale ? { uploadUrl: null, bytesSent: 0 } : {}) });
        timers.set(id, setTimeout(() => void run(id), delay));
      },
    });
    running.set(id, upload);
    upload.start();
  }

  window.addEventListener('online', () => {
    for (const i of items) if (i.state === 'waiting' || i.state === 'queued') void run(i.id);
  });
  window.addEventListener('offline', () => {
    for (const [id, u] of running) {
      running.delete(id);
      void u.abort(false);
      update(id, { state: 'waiting', error: { code: 'upload.unreachable', message: 'You are offline: the upload continues when the network is back.' }, nextAttemptAt: null });
    }
  });
  queueMicrotask(() => {
    for (const i of items) if (i.state === 'queued' || i.state === 'waiting') void run(i.id);
  });

  async function enqueueRecording(sessionId: string) {
    const { finished } = await deps.recording(sessionId);
    const existing = items.find((i) => i.sessionId === sessionId && i.sha256 === finished.sha256 && i.state !== 'failed');
    if (existing) return void run(existing.id);
    const id = crypto.randomUUID();
    items = [...items.filter((i) => i.sessionId !== sessionId || i.state === 'completed'), { id, sessionId, bytes: finished.bytes, bytesSent: 0, sha256: finished.sha256, state: 'queued', error: null, nextAttemptAt: null, uploadUrl: null, attempts: 0 }];
    save();
    void run(id);
  }

  return {
    enqueueRecording,
    async enqueueFile(sessionId, file) {
      await deps.storeFile(sessionId, file);
      await enqueueRecording(sessionId);
    },
    async retry(id) {
      update(id, { state: 'queued', error: null });
      await run(id);
    },
    list: () => items.map(({ uploadUrl: _u, attempts: _a, ...v }) => v),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

import type { DesktopApi } from '../../app/contracts/ipc/desktop';
import { AppError } from '../../app/contracts/errors';
import type { Result } from '../../app/contracts/result';
import { createLiveDrafts } from './live-drafts';
import type { Platform, UploadView } from './platform';

/** The preload exposes the main-process contract (app/contracts/ipc/desktop.ts) as `window.desktop`. */
export function desktopApi(): DesktopApi | null {
  return ((window as unknown as { desktop?: DesktopApi }).desktop ?? null) as DesktopApi | null;
}

async function value<T>(r: Promise<Result<T>>): Promise<T> {
  const res = await r;
  if (!res.ok) throw new AppError(res.error.code, res.error.message, { details: res.error.details });
  return res.value;
}

/** IPC bodies are capped (16 MiB per chunk in the contract): a picked file crosses in slices. */
const FILE_SLICE = 4 * 1024 * 1024;

/**
 * The desktop build: recordings on disk, uploads and the token in the main process (keychain),
 * the draft transcript from the on-device engine. Errors arrive as data and become AppErrors here.
 */
export function createDesktopPlatform(api: DesktopApi): Platform {
  let uploads: UploadView[] = [];
  const listeners = new Set<(items: UploadView[]) => void>();
  const toView = (i: { id: string; sessionId: string; bytes: number; bytesSent: number; sha256: string; state: string; error: { code: string; message: string } | null; nextAttemptAt: string | null }): UploadView => ({
    ...i,
    state: i.state === 'cancelled' ? 'failed' : (i.state as UploadView['state']),
  });
  const publish = () => listeners.forEach((l) => l(uploads));
  const upsert = (v: UploadView) => {
    uploads = [...uploads.filter((u) => u.id !== v.id), v];
    publish();
  };
  api.on('uploads:progress', (item) => upsert(toView(item)));
  void value(api.send('uploads:list', {})).then((all) => {
    uploads = all.map(toView);
    publish();
  });

  const recordings: Platform['recordings'] = {
    start: async (sessionId, mimeType) => void (await value(api.send('recordings:start', { sessionId, mimeType }))),
    append: async (sessionId, seq, chunk) => void (await value(api.send('recordings:append', { sessionId, seq, chunk }))),
    finish: async (sessionId) => value(api.send('recordings:finish', { sessionId })),
    recover: async (sessionId) => value(api.send('recordings:recover', { sessionId })),
    list: async () => (await value(api.send('recordings:list', {}))).map((r) => ({ sessionId: r.sessionId, mimeType: r.mimeType, state: r.state, startedAt: r.startedAt, nextSeq: r.nextSeq, bytes: r.bytes })),
  };

  return {
    kind: 'desktop',
    apiBase: async () => (await value(api.send('settings:get', {}))).backendUrl.replace(/\/$/, ''),
    token: {
      get: async () => (await value(api.send('secrets:get', { name: 'api.token' }))).value,
      set: async (token) => void (await value(api.send('secrets:set', { name: 'api.token', value: token }))),
      clear: async () => void (await value(api.send('secrets:delete', { name: 'api.token' }))),
    },
    orgSignIn: {
      mode: 'waits',
      start: async (orgId) => void (await value(api.send('secrets:signin', { orgId }))),
      cancel: async () => void (await value(api.send('secrets:cancel', {}))),
      onRevoked: (listener) => api.on('secrets:revoked', (why) => listener({ code: why.code, message: why.message })),
    },
    webSession: null,
    recordings,
    uploads: {
      enqueueRecording: async (sessionId) => upsert(toView(await value(api.send('uploads:enqueue', { sessionId })))),
      async enqueueFile(sessionId, file) {
        await recordings.start(sessionId, file.type || 'application/octet-stream');
        for (let seq = 0, at = 0; at < file.size; seq++, at += FILE_SLICE) {
          await recordings.append(sessionId, seq, new Uint8Array(await file.slice(at, at + FILE_SLICE).arrayBuffer()));
        }
        await recordings.finish(sessionId);
        upsert(toView(await value(api.send('uploads:enqueue', { sessionId }))));
      },
      retry: async (id) => upsert(toView(await value(api.send('uploads:retry', { id })))),
      list: () => uploads,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    drafts: createLiveDrafts(api),
  };
}

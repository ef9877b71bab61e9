import { AppError } from '../../app/contracts/errors';
import type { DesktopApi } from '../../app/contracts/ipc/desktop';
import type { Result } from '../../app/contracts/result';
import type { LiveDrafts } from './platform';

async function value<T>(r: Promise<Result<T>>): Promise<T> {
  const res = await r;
  if (!res.ok) throw new AppError(res.error.code, res.error.message, { details: res.error.details });
  return res.value;
}

/** The draft transcript over the main-process contract: the preload's `window.desktop` or the local WebSocket bridge. */
export function createLiveDrafts(api: DesktopApi): LiveDrafts {
  return {
    available: true,
    get: async (sessionId) => value(api.send('drafts:get', { sessionId })),
    start: async (sessionId) => void (await value(api.send('drafts:start', { sessionId }))),
    // The contract carries the float32 samples as little-endian bytes (every platform we ship).
    feed: async (sessionId, channel, pcm) => value(api.send('drafts:feed', { sessionId, channel, pcm: new Uint8Array(pcm.buffer as ArrayBuffer, pcm.byteOffset, pcm.byteLength) })),
    finish: async (sessionId) => value(api.send('drafts:finish', { sessionId })),
    onCaption: (listener) => api.on('drafts:caption', listener),
    onUpdate: (listener) => api.on('drafts:updated', (u) => listener(u.sessionId, u.complete)),
  };
}

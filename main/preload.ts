import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_CHANNELS, DESKTOP_EVENT_CHANNEL, DESKTOP_EVENTS, DESKTOP_GLOBAL } from '../app/contracts/ipc/channel-names';

/**
 * Exposes `window.desktop` (type DesktopApi from app/contracts/ipc/desktop.ts) and nothing else:
 * `send` only for the contract's channels, `on` only for its events; ipcRenderer itself never
 * reaches the page. Sandboxed preloads cannot require files: this is bundled into one file.
 */
const channels = new Set<string>(DESKTOP_CHANNELS);
const events = new Set<string>(DESKTOP_EVENTS);

contextBridge.exposeInMainWorld(DESKTOP_GLOBAL, {
  platform: 'electron',
  send(channel: string, input: unknown): Promise<unknown> {
    if (!channels.has(channel)) return Promise.resolve({ ok: false, error: { code: 'request.not_found', message: `Unknown channel ${String(channel)}.` } });
    return ipcRenderer.invoke(channel, input);
  },
  on(event: string, listener: (payload: unknown) => void): () => void {
    if (!events.has(event)) throw new Error(`Unknown event ${String(event)}.`);
    const relay = (_e: unknown, name: unknown, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(DESKTOP_EVENT_CHANNEL, relay);
    return () => {
      ipcRenderer.removeListener(DESKTOP_EVENT_CHANNEL, relay);
    };
  },
});

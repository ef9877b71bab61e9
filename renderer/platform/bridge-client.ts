import type { BridgeResponse } from '../../app/contracts/ipc/bridge-protocol';
import type { DesktopApi } from '../../app/contracts/ipc/desktop';
import { fromWire, toWire } from '../../app/contracts/ipc/wire-codec';
import type { Result } from '../../app/contracts/result';

export interface BridgeAddress {
  /** `ws://127.0.0.1:<port>/` as printed by `main/bridge-main.ts`. */
  url: string;
  token: string;
}

/**
 * The main-process contract over the local WebSocket bridge (main/adapters/ws-bridge.ts): what the
 * preload gives the desktop app, for a plain browser on the same machine. Connects on first use;
 * a lost connection fails the calls in flight and the next call connects again.
 */
export function connectBridge(address: BridgeAddress): DesktopApi {
  let socket: Promise<WebSocket> | null = null;
  let nextId = 1;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  const open = (): Promise<WebSocket> => {
    socket ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${address.url}?token=${encodeURIComponent(address.token)}`);
      ws.onopen = () => {
        const events = [...listeners.keys()];
        if (events.length) ws.send(JSON.stringify({ id: nextId++, type: 'subscribe', events }));
        resolve(ws);
      };
      ws.onerror = () => reject(new Error(`The local draft service at ${address.url} cannot be reached.`));
      ws.onclose = () => {
        socket = null;
        for (const done of pending.values()) done({ ok: false, error: { code: 'bridge.unavailable', message: 'The connection to the local draft service closed.' } });
        pending.clear();
      };
      ws.onmessage = (e: MessageEvent<string>) => {
        const msg = fromWire(JSON.parse(e.data)) as BridgeResponse;
        if (msg.type === 'event') listeners.get(msg.event)?.forEach((l) => l(msg.payload));
        else if (msg.id !== null) {
          pending.get(msg.id)?.(msg.result as Result<unknown>);
          pending.delete(msg.id);
        }
      };
    });
    socket.catch(() => (socket = null));
    return socket;
  };

  return {
    async send(channel, input) {
      let ws: WebSocket;
      try {
        ws = await open();
      } catch (e) {
        return { ok: false, error: { code: 'bridge.unavailable', message: e instanceof Error ? e.message : String(e) } };
      }
      const id = nextId++;
      const answer = new Promise<Result<unknown>>((resolve) => pending.set(id, resolve));
      ws.send(JSON.stringify(toWire({ id, type: 'call', channel, input })));
      return answer as never;
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
        void open().then((ws) => ws.send(JSON.stringify({ id: nextId++, type: 'subscribe', events: [event] })), () => undefined);
      }
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => void set.delete(l);
    },
  };
}

const STORAGE_KEY = 'feedback.draftBridge';

/**
 * Where the browser finds a local bridge: `?bridge=<ws url>&bridgeToken=<token>` once (kept for the
 * tab, then removed from the address bar), or what an earlier page of this tab kept. Only a
 * loopback address is taken: a link must not send the call's audio to another machine.
 */
export function bridgeAddressFromPage(location: Location, storage: Storage, history: History): BridgeAddress | null {
  const params = new URLSearchParams(location.search);
  const url = params.get('bridge');
  const token = params.get('bridgeToken');
  if (url && token && isLoopbackWs(url)) {
    storage.setItem(STORAGE_KEY, JSON.stringify({ url, token }));
    params.delete('bridge');
    params.delete('bridgeToken');
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
  try {
    const kept = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null') as BridgeAddress | null;
    return kept && typeof kept.url === 'string' && typeof kept.token === 'string' && isLoopbackWs(kept.url) ? kept : null;
  } catch {
    return null;
  }
}

export function isLoopbackWs(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'ws:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

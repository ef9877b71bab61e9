import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { BridgeRequest, type BridgeResponse } from '../../app/contracts/ipc/bridge-protocol';
import { fromWire, toWire } from '../../app/contracts/ipc/wire-codec';
import type { ContractMap, EventContract, HandlerMap } from '../../app/contracts/ipc-contract';
import type { EventBus } from '../services/event-bus';
import { createDispatcher } from './dispatch';

export interface WsBridge {
  /** `ws://127.0.0.1:<port>/` — clients add `?token=<token>`. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * The same handler maps as ipcMain, served on a local WebSocket so the browser harness and the
 * tests can call the main-process features. Wire format: app/contracts/ipc/bridge-protocol.ts
 * (JSON; Uint8Array as `{ $bytes: base64 }`). Only 127.0.0.1, and only with the per-launch token.
 */
export async function startWsBridge<C extends ContractMap, E extends EventContract>(opts: {
  contract: C;
  handlers: HandlerMap<C>;
  events?: EventBus<E>;
  eventNames?: readonly string[];
  port?: number;
  /** Default: 32 random bytes, new at every launch. */
  token?: string;
  onInternalError?: (channel: string, e: unknown) => void;
}): Promise<WsBridge> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const dispatcher = createDispatcher(opts.contract, opts.handlers, { onInternalError: opts.onInternalError });
  const known = new Set(opts.eventNames ?? []);
  const subscriptions = new Map<WebSocket, Set<string>>();
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only\n');
  });
  // A chunk of 16 MiB grows by a third in base64.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 24 * 1024 * 1024 });

  server.on('upgrade', (req, socket, head) => {
    const given = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
    if (!sameSecret(given, token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const send = (ws: WebSocket, msg: BridgeResponse) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(toWire(msg)));
  };

  wss.on('connection', (ws) => {
    subscriptions.set(ws, new Set());
    ws.on('close', () => subscriptions.delete(ws));
    ws.on('message', (data, isBinary) => {
      void (async () => {
        let raw: unknown;
        try {
          raw = isBinary ? undefined : fromWire(JSON.parse(data.toString()));
        } catch {
          raw = undefined;
        }
        const req = BridgeRequest.safeParse(raw);
        if (!req.success) {
          const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : null;
          send(ws, { id, type: 'result', result: { ok: false, error: { code: 'request.invalid', message: 'Not a bridge request: expected JSON { id, type: "call" | "subscribe", … }.' } } });
          return;
        }
        const m = req.data;
        if (m.type === 'subscribe') {
          const unknown = m.events.filter((e) => !known.has(e));
          if (unknown.length) {
            send(ws, { id: m.id, type: 'result', result: { ok: false, error: { code: 'request.invalid', message: `Unknown events: ${unknown.join(', ')}.` } } });
            return;
          }
          for (const e of m.events) subscriptions.get(ws)?.add(e);
          send(ws, { id: m.id, type: 'result', result: { ok: true, value: { events: [...(subscriptions.get(ws) ?? [])] } } });
          return;
        }
        send(ws, { id: m.id, type: 'result', result: await dispatcher.call(m.channel, m.input) });
      })();
    });
  });

  const unsubscribe = opts.events?.subscribe((event, payload) => {
    for (const [ws, names] of subscriptions) if (names.has(event)) send(ws, { type: 'event', event, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    token,
    async close() {
      unsubscribe?.();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

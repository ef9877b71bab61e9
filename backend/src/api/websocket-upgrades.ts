import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError } from '../../../app/contracts/errors';
import { problemOf, toAppError } from './problem';

/** What a WebSocket endpoint gets for one upgrade request; `client` is the caller's address (see client-address.ts). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, ctx: { client: string }) => void;

/** A refused upgrade's socket is half-closed at once and destroyed after this, so a peer that never closes its side cannot keep it. */
const REFUSED_SOCKET_LINGER_MS = 1000;

/**
 * Answers an upgrade request with a plain HTTP refusal (problem+json) and closes the socket.
 * A browser cannot read the body, but other clients (and the tests) can.
 */
export function refuseUpgrade(socket: Duplex, error: unknown, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const p = problemOf(toAppError(error));
  const body = JSON.stringify(p);
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${p.status} ${p.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extra}\r\n${body}`);
  setTimeout(() => socket.destroy(), REFUSED_SOCKET_LINGER_MS).unref();
}

/**
 * The one `upgrade` listener of the API server: dispatches by path to the registered WebSocket
 * endpoints and answers everything else at once (404, or 400 for a non-WebSocket upgrade), so no
 * upgrade request is ever left hanging. Node hands an upgraded socket to this listener alone: a
 * socket nobody answers stays open until the client gives up, and keeps server.close() waiting.
 */
export function createUpgradeRouter(opts: { clientOf: (req: IncomingMessage) => string; maxConnections: number; log?: (m: string, d?: Record<string, unknown>) => void }) {
  const routes = new Map<string, UpgradeHandler>();
  let open = 0;
  return {
    route(path: string, handler: UpgradeHandler) {
      routes.set(path, handler);
    },
    /** WebSocket connections accepted or being accepted, over all endpoints. */
    openCount: () => open,
    listener(req: IncomingMessage, socket: Duplex, head: Buffer) {
      // A reset during the handshake must not become an unhandled 'error' that stops the process.
      socket.on('error', (e) => {
        opts.log?.('upgrade socket error', { err: e.message });
        socket.destroy();
      });
      const path = (req.url ?? '/').split('?', 1)[0]!;
      const handler = routes.get(path);
      if (!handler) return refuseUpgrade(socket, new AppError('request.not_found', `No WebSocket endpoint at ${path}`, { status: 404 }));
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return refuseUpgrade(socket, new AppError('request.invalid', 'Only WebSocket upgrades are served here.', { status: 400 }));
      if (open >= opts.maxConnections) return refuseUpgrade(socket, new AppError('connection.too_many', 'The server holds as many WebSocket connections as it accepts; try again shortly.'), { 'Retry-After': '5' });
      open++;
      socket.once('close', () => open--);
      handler(req, socket, head, { client: opts.clientOf(req) });
    },
  };
}
export type UpgradeRouter = ReturnType<typeof createUpgradeRouter>;

/**
 * How many connections each key (a user, a guest) holds. `reserve` takes a slot before the
 * handshake completes, so concurrent upgrades cannot overshoot; the slot is freed when the
 * socket closes, however that happens.
 */
export function createConnectionCounter(maxPerKey: number) {
  const held = new Map<string, number>();
  return {
    /** False when the key already holds maxPerKey connections. */
    reserve(key: string, socket: Duplex): boolean {
      const n = held.get(key) ?? 0;
      if (n >= maxPerKey) return false;
      held.set(key, n + 1);
      socket.once('close', () => {
        const left = (held.get(key) ?? 1) - 1;
        if (left > 0) held.set(key, left);
        else held.delete(key);
      });
      return true;
    },
    count: (key: string) => held.get(key) ?? 0,
  };
}

/**
 * Every TCP connection the server accepted, so shutdown can end them all: idle keep-alive
 * connections, requests in flight, upgraded and half-upgraded sockets (which server.close() and
 * closeAllConnections() do not see, and would otherwise wait for).
 */
export function trackConnections(server: Server) {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return {
    count: () => sockets.size,
    destroyAll() {
      for (const s of sockets) s.destroy();
    },
  };
}

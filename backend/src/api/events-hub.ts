import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EvaluationEvent } from '../../../app/contracts/api';
import { authenticateToken, bearerToken, type Identity, type IdentityResolver } from './auth';
import { problemOf, toAppError } from './problem';

/**
 * WebSocket `/v1/events`: authenticated (bearer header, or `access_token` query for browsers, which
 * cannot set headers), scoped to the caller's org. Events come from whichever process produced them
 * (the worker) through PostgreSQL NOTIFY, and are fanned out here.
 */
export function attachEventsHub(server: HttpServer, resolver: IdentityResolver, log?: (m: string, d?: Record<string, unknown>) => void) {
  const wss = new WebSocketServer({ noServer: true });
  const clients = new Map<WebSocket, Identity>();

  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/v1/events') return;
    const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('access_token');
    authenticateToken(resolver, token)
      .then((id) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          clients.set(ws, id);
          ws.on('close', () => clients.delete(ws));
          ws.send(JSON.stringify({ type: 'hello', orgId: id.orgId, userId: id.userId }));
        }),
      )
      .catch((e) => {
        const p = problemOf(toAppError(e));
        socket.end(`HTTP/1.1 ${p.status} ${p.title}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n${JSON.stringify(p)}`);
      });
  });

  return {
    publish(orgId: string, event: EvaluationEvent) {
      const msg = JSON.stringify(event);
      for (const [ws, id] of clients) if (id.orgId === orgId && ws.readyState === ws.OPEN) ws.send(msg);
    },
    clientCount: () => clients.size,
    async close() {
      for (const ws of clients.keys()) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      log?.('events hub closed');
    },
  };
}
export type EventsHub = ReturnType<typeof attachEventsHub>;

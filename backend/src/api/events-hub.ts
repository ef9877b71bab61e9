import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EvaluationEvent } from '../../../app/contracts/api';
import { AppError } from '../../../app/contracts/errors';
import { bearerToken, type Identity, type IdentityResolver } from './auth';
import { toAppError } from './problem';
import { noSignInThrottle, throttledSignIn, type SignInThrottle } from './auth';
import { createConnectionCounter, refuseUpgrade } from './websocket-upgrades';
import type { Authorizer } from '../access/authorizer';
import { loadSessionResource } from '../access/authorizer';
import type { SessionResource, UserSubject } from '../access/access-policy';
import type { Database } from '../db/database';

export const EVENTS_PATH = '/v1/events';

export interface EventsHubOptions {
  /** Largest frame a client may send; the hub only pushes, so anything bigger closes the socket (1009). Default 4 KiB. */
  maxMessageBytes?: number;
  /** WebSocket connections one user may hold at once (several tabs, windows). Default 8. */
  maxConnectionsPerUser?: number;
  /** Ping interval; a socket that missed the previous ping is dropped. Default 30 s. */
  heartbeatMs?: number;
  throttle?: SignInThrottle;
  /** The browser's session cookie on the upgrade (web-session.ts upgradeTokenOf: throws auth.origin_refused from a foreign page); none when not given. */
  cookieToken?: (req: IncomingMessage) => string | null;
  log?: (m: string, d?: Record<string, unknown>) => void;
}

export interface EventsHubAccess {
  db: Database;
  /** events.subscribe at the upgrade; each event goes only to subscribers who may session.read its session. */
  authorizer: Authorizer;
}

/**
 * WebSocket `/v1/events`: authenticated (bearer header, or `access_token` query for browsers, which
 * cannot set headers, or the web app's session cookie from the web app's own origin), allowed by the access policy (events.subscribe), and each event delivered
 * only to subscribers who may read its session (session.read). Events come from whichever process produced them
 * (the worker) through PostgreSQL NOTIFY, and are fanned out here. Refusals are plain HTTP answers
 * to the upgrade (problem+json).
 */
export function createEventsHub(resolver: IdentityResolver, access: EventsHubAccess, opts: EventsHubOptions = {}) {
  const log = opts.log;
  const throttle = opts.throttle ?? noSignInThrottle;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes ?? 4096 });
  // The token is kept to re-check the subscription (revalidate): a grant at the upgrade is not a lasting one.
  const clients = new Map<WebSocket, { id: Identity; subject: UserSubject; token: string }>();
  // A session's creator never changes: remembered so an event costs no query per subscriber.
  // One promise per session, so events of one session still go out in the order they came.
  const sessionsSeen = new Map<string, Promise<SessionResource | null>>();
  const alive = new Set<WebSocket>();
  const perUser = createConnectionCounter(opts.maxConnectionsPerUser ?? 8);

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: { client: string }) {
    const url = new URL(req.url ?? '/', 'http://x');
    let token: string | null = null;
    Promise.resolve()
      .then(() => {
        token = bearerToken(req.headers.authorization) ?? url.searchParams.get('access_token') ?? opts.cookieToken?.(req) ?? null;
        return throttledSignIn(throttle, resolver, token, ctx.client);
      })
      .then(async (id) => {
        const subject = await access.authorizer.subjectOf(id);
        await access.authorizer.require(subject, 'events.subscribe', { type: 'org', orgId: id.orgId });
        if (socket.destroyed) return;
        if (!perUser.reserve(id.userId, socket)) throw new AppError('connection.too_many', `You already hold ${opts.maxConnectionsPerUser ?? 8} event connections; close a window or tab first.`);
        wss.handleUpgrade(req, socket, head, (ws) => open(ws, id, subject, token ?? ''));
      })
      .catch((e: unknown) => {
        const app = toAppError(e);
        if (app.code === 'internal') log?.('events upgrade failed', { err: String((e as Error)?.stack ?? e) });
        refuseUpgrade(socket, app, app.code === 'rate.limited' ? { 'Retry-After': String(app.details?.retryAfterSec ?? 60) } : {});
      });
  }

  function open(ws: WebSocket, id: Identity, subject: UserSubject, token: string) {
    clients.set(ws, { id, subject, token });
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // ws reports protocol violations (an oversized frame, bad UTF-8) as 'error' and then closes the
    // socket; without a listener that 'error' would be unhandled and stop the whole process.
    ws.on('error', (e) => log?.('events socket error', { err: e.message, userId: id.userId }));
    ws.on('close', () => {
      clients.delete(ws);
      alive.delete(ws);
    });
    ws.send(JSON.stringify({ type: 'hello', orgId: id.orgId, userId: id.userId }));
  }

  /**
   * Re-checks every subscriber as at the upgrade, with the current token, roles and assignments: a
   * token revoked or expired since closes its socket (4401 auth.invalid), a lost events.subscribe
   * closes it (4403 auth.forbidden), changed roles or supervisees filter the next events. A lookup
   * that fails keeps the subscriber until the next check.
   */
  let revalidating: Promise<void> | null = null;
  function revalidate(): Promise<void> {
    revalidating ??= (async () => {
      for (const [ws, c] of [...clients]) {
        try {
          const id = await resolver.resolve(c.token);
          if (!clients.has(ws)) continue;
          if (!id || id.userId !== c.id.userId || id.orgId !== c.id.orgId) {
            clients.delete(ws);
            ws.close(4401, 'auth.invalid');
            continue;
          }
          const subject = await access.authorizer.subjectOf(id);
          if (!clients.has(ws)) continue;
          if (!access.authorizer.permits(subject, 'events.subscribe', { type: 'org', orgId: id.orgId })) {
            clients.delete(ws);
            ws.close(4403, 'auth.forbidden');
            continue;
          }
          clients.set(ws, { id, subject, token: c.token });
        } catch (e) {
          log?.('events: subscriber re-check failed', { err: (e as Error).message, userId: c.id.userId });
        }
      }
    })().finally(() => {
      revalidating = null;
    });
    return revalidating;
  }

  const heartbeat = setInterval(() => {
    void revalidate();
    for (const ws of clients.keys()) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, opts.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return {
    handleUpgrade,
    /** Sends the event to the org's subscribers who may read its session; resolves once sent. */
    async publish(orgId: string, event: EvaluationEvent): Promise<void> {
      const listeners = [...clients].filter(([ws, c]) => c.id.orgId === orgId && ws.readyState === ws.OPEN);
      if (listeners.length === 0) return;
      const key = `${orgId}/${event.sessionId}`;
      let lookup = sessionsSeen.get(key);
      if (!lookup) {
        if (sessionsSeen.size >= 10_000) sessionsSeen.clear();
        lookup = access.db.withOrg(orgId, (tx) => loadSessionResource(tx, event.sessionId)).catch((e: unknown) => {
          log?.('events: session lookup failed', { err: (e as Error).message });
          return null;
        });
        sessionsSeen.set(key, lookup);
      }
      const session = await lookup;
      if (!session) {
        sessionsSeen.delete(key);
        return;
      }
      const msg = JSON.stringify(event);
      for (const [ws, c] of listeners) if (ws.readyState === ws.OPEN && access.authorizer.permits(c.subject, 'session.read', session)) ws.send(msg);
    },
    /** Re-check every subscriber now (also done at each heartbeat). */
    revalidate,
    clientCount: () => clients.size,
    async close() {
      clearInterval(heartbeat);
      for (const ws of clients.keys()) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      log?.('events hub closed');
    },
  };
}
export type EventsHub = ReturnType<typeof createEventsHub>;

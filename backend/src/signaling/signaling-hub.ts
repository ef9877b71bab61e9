import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { AppError, type ErrorCode } from '../../../app/contracts/errors';
import { MAX_SIGNAL_BYTES, SIGNAL_PATH, SignalClientMessage, SignalCloseCode, type PeerInfo, type SignalServerMessage } from '../../../app/contracts/signaling';
import { bearerToken } from '../api/auth';
import { toAppError } from '../api/problem';
import { noSignInThrottle, type SignInThrottle } from '../api/auth';
import { createConnectionCounter, createUpgradeRouter } from '../api/websocket-upgrades';
import { iceServersFor, type IceConfig } from './ice-servers';
import { admitToSignaling, recheckSeat, type SignalAdmissionDeps, type SignalParticipant } from './signal-admission';
import { SignalingRooms } from './signaling-rooms';

export interface SignalingHubDeps extends SignalAdmissionDeps {
  ice: IceConfig;
  /** Interval of WebSocket pings and of the seats' re-check (revalidate); a socket that missed a ping is dropped at the next. Default 15 s. */
  heartbeatMs?: number;
  /** A message arriving this long after its seat was last checked re-checks it at once (without holding the message). Default 5 s. */
  burstRecheckMs?: number;
  maxSignalBytes?: number;
  /** Signaling connections one participant (user or guest) may hold at once. Default 4. */
  maxConnectionsPerParticipant?: number;
  throttle?: SignInThrottle;
  log?: (m: string, d?: Record<string, unknown>) => void;
}

const info = (w: SignalParticipant): PeerInfo => ({ role: w.role, channel: w.channel, displayName: w.displayName });

/**
 * WebSocket `/v1/signal?session=<id>`: relays simple-peer signal data between the two participants
 * of one session. Refusals are sent as an `error` message and a 4xxx close code after the upgrade,
 * because a browser cannot read the body of a refused upgrade.
 */
export function createSignalingHub(deps: SignalingHubDeps) {
  const maxSignalBytes = deps.maxSignalBytes ?? MAX_SIGNAL_BYTES;
  const throttle = deps.throttle ?? noSignInThrottle;
  const maxPerParticipant = deps.maxConnectionsPerParticipant ?? 4;
  const perParticipant = createConnectionCounter(maxPerParticipant);
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxSignalBytes * 4 });
  const rooms = new SignalingRooms<WebSocket>();
  // The token is kept to re-check the seat (revalidate): admission is not a lasting grant.
  const connections = new Map<WebSocket, { who: SignalParticipant; token: string; checkedAt: number }>();
  const alive = new Set<WebSocket>();
  const saidBye = new Set<WebSocket>();
  const removed = new Set<WebSocket>();
  const burstRecheckMs = deps.burstRecheckMs ?? 5_000;

  const send = (ws: WebSocket, msg: SignalServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const error = (ws: WebSocket, code: ErrorCode, message: string) => send(ws, { type: 'error', code, message });
  const refuse = (ws: WebSocket, e: AppError) => {
    error(ws, e.code, e.message);
    ws.close(4000 + e.status, e.code);
  };

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: { client: string }) {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('access_token');
    const admitted = (async () => {
      if (token) await throttle.check(ctx.client);
      try {
        return await admitToSignaling(deps, { sessionId: url.searchParams.get('session'), token });
      } catch (e) {
        if (token && toAppError(e).code === 'auth.invalid') await throttle.failed(ctx.client);
        throw e;
      }
    })();
    admitted
      .then((who) => {
        if (!perParticipant.reserve(who.key, socket)) throw new AppError('connection.too_many', `You already hold ${maxPerParticipant} signaling connections; close another window first.`);
        return who;
      })
      .then(
        (who) => !socket.destroyed && wss.handleUpgrade(req, socket, head, (ws) => open(ws, who, token ?? '')),
        (e: unknown) => {
          const app = toAppError(e);
          if (app.code === 'internal') deps.log?.('signaling admission failed', { err: String((e as Error)?.stack ?? e) });
          if (!socket.destroyed) wss.handleUpgrade(req, socket, head, (ws) => refuse(ws, app));
        },
      );
  }

  function open(ws: WebSocket, who: SignalParticipant, token: string) {
    connections.set(ws, { who, token, checkedAt: Date.now() });
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // ws reports protocol violations (e.g. an oversized frame) as 'error' before closing.
    ws.on('error', (e) => deps.log?.('signaling socket error', { err: e.message, session: who.sessionId }));
    ws.on('message', (raw, isBinary) => onMessage(ws, who, raw, isBinary));
    ws.on('close', () => {
      connections.delete(ws);
      alive.delete(ws);
      const left = rooms.leave(ws);
      if (left?.peer) send(left.peer.socket, { type: 'peer-left', peer: info(left.who), reason: saidBye.has(ws) ? 'bye' : 'disconnected' });
      saidBye.delete(ws);
      removed.delete(ws);
    });
  }

  function onMessage(ws: WebSocket, who: SignalParticipant, raw: RawData, isBinary: boolean) {
    if (removed.has(ws)) return;
    const c = connections.get(ws);
    if (c && Date.now() - c.checkedAt > burstRecheckMs) void recheck(ws);
    if (isBinary) return error(ws, 'signal.message_invalid', 'Send JSON text messages, not binary.');
    const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : Buffer.from(raw as ArrayBuffer).toString('utf8');
    const bytes = Buffer.byteLength(text);
    if (bytes > maxSignalBytes) return error(ws, 'signal.message_invalid', `The message is ${bytes} bytes; the limit is ${maxSignalBytes}.`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return error(ws, 'signal.message_invalid', 'The message is not JSON.');
    }
    const parsed = SignalClientMessage.safeParse(json);
    if (!parsed.success) return error(ws, 'signal.message_invalid', parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; '));
    const msg = parsed.data;
    switch (msg.type) {
      case 'ping':
        return send(ws, { type: 'pong', ...(msg.t !== undefined ? { t: msg.t } : {}) });
      case 'join':
        return join(ws, who);
      case 'signal': {
        if (!rooms.seatOf(ws)) return error(ws, 'signal.not_joined', 'Send {"type":"join"} first.');
        const peer = rooms.peerOf(ws);
        if (!peer) return error(ws, 'signal.peer_absent', 'The other participant is not connected; wait for peer-joined.');
        return send(peer.socket, { type: 'signal', from: who.role, data: msg.data });
      }
      case 'bye':
        saidBye.add(ws);
        return ws.close(SignalCloseCode.bye, 'bye');
    }
  }

  function join(ws: WebSocket, who: SignalParticipant) {
    if (rooms.seatOf(ws)) return error(ws, 'signal.message_invalid', 'Already joined on this connection.');
    const r = rooms.join(who, ws);
    if (!r.ok) return refuse(ws, new AppError('signal.room_full', `This call already has its ${who.role === 'owner' ? 'session owner' : 'guest'} (${r.holder.displayName}); a call has at most two participants.`, { status: 409 }));
    if (r.replaced) r.replaced.close(SignalCloseCode.replaced, 'replaced by a newer connection');
    const ice = iceServersFor(deps.ice, who.sessionId);
    send(ws, { type: 'joined', sessionId: who.sessionId, role: who.role, channel: who.channel, displayName: who.displayName, peer: r.peer ? info(r.peer.who) : null, initiator: r.peer !== null, iceServers: ice.iceServers, iceExpiresAt: ice.expiresAt });
    if (r.peer) send(r.peer.socket, { type: 'peer-joined', peer: info(who), reconnected: r.replaced !== null });
  }

  /**
   * Re-checks one seat (recheckSeat): a refusal sends the `error` message and closes the socket
   * with 4000 + its status and the code as reason (4401 auth.invalid, 4403 auth.forbidden, 4404
   * session.not_found); the peer is told `peer-left` with reason `removed`. A failed lookup keeps
   * the seat until the next check.
   */
  async function recheck(ws: WebSocket): Promise<void> {
    const c = connections.get(ws);
    if (!c || removed.has(ws)) return;
    c.checkedAt = Date.now();
    try {
      const refusal = await recheckSeat(deps, c.who, c.token);
      if (!refusal || !connections.has(ws) || removed.has(ws)) return;
      removed.add(ws);
      deps.log?.('signaling seat revoked', { session: c.who.sessionId, role: c.who.role, code: refusal.code });
      // The seat is freed and the peer told now, not when the close handshake completes.
      const left = rooms.leave(ws);
      if (left?.peer) send(left.peer.socket, { type: 'peer-left', peer: info(left.who), reason: 'removed' });
      refuse(ws, refusal);
    } catch (e) {
      deps.log?.('signaling: seat re-check failed', { err: (e as Error).message, session: c.who.sessionId });
    }
  }

  let revalidating: Promise<void> | null = null;
  function revalidate(): Promise<void> {
    revalidating ??= (async () => {
      for (const ws of [...connections.keys()]) await recheck(ws);
    })().finally(() => {
      revalidating = null;
    });
    return revalidating;
  }

  const heartbeat = setInterval(() => {
    void revalidate();
    for (const ws of connections.keys()) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, deps.heartbeatMs ?? 15_000);
  heartbeat.unref();

  return {
    handleUpgrade,
    /** Who is seated in a session's room. */
    members: (sessionId: string) => rooms.members(sessionId),
    connectionCount: () => connections.size,
    /** Re-check every seat now (also done at each heartbeat). */
    revalidate,
    async close() {
      clearInterval(heartbeat);
      for (const ws of connections.keys()) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      deps.log?.('signaling hub closed');
    },
  };
}
export type SignalingHub = ReturnType<typeof createSignalingHub>;

/** The hub alone on a server of its own (tests): its path routed, every other upgrade refused. */
export function attachSignalingHub(server: HttpServer, deps: SignalingHubDeps): SignalingHub {
  const hub = createSignalingHub(deps);
  const router = createUpgradeRouter({ clientOf: (req) => req.socket.remoteAddress ?? 'unknown', maxConnections: Number.MAX_SAFE_INTEGER });
  router.route(SIGNAL_PATH, hub.handleUpgrade);
  server.on('upgrade', router.listener);
  return hub;
}

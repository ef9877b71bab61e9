import { SIGNAL_PATH, SignalCloseCode, type SignalClientMessage, type SignalServerMessage } from '../../app/contracts/signaling';
import { signalingBackoffMs } from './call-recovery';

/** Close codes 4000 + HTTP status: a refusal the browser could not otherwise read (see the contract). */
export interface SignalRefusal {
  code: string;
  message: string;
  closeCode: number;
}

const PING_MS = 4_000;
/** A socket that heard nothing (not even a pong) for this long is dead: a cut network never closes it. */
const SILENCE_MS = 10_000;

/**
 * The session's signaling room over an authenticated WebSocket that comes back by itself: when the
 * socket drops (or goes silent) it reconnects with backoff and joins the room again. It stops for
 * good on a refusal (4400+), when replaced by a newer connection of the same person (4000), or on
 * `bye()`. Messages sent while it is down are dropped: the call re-synchronises after the rejoin.
 */
export function openSignaling(opts: {
  base: string;
  sessionId: string;
  token: string;
  onMessage: (m: SignalServerMessage) => void;
  /** The socket dropped; reconnect attempt `attempt` follows after a backoff. */
  onDown?: (attempt: number) => void;
  /** Final: `refusal` when the server refused us, null when replaced or after `bye()`. */
  onClose: (refusal: SignalRefusal | null) => void;
}) {
  const url = `${opts.base.replace(/^http/, 'ws')}${SIGNAL_PATH}?session=${encodeURIComponent(opts.sessionId)}&access_token=${encodeURIComponent(opts.token)}`;
  let ws: WebSocket | null = null;
  let finished = false;
  let failures = 0;
  let lastHeard = 0;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let lastError: { code: string; message: string } | null = null;

  const send = (m: SignalClientMessage) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
  };
  const finish = (refusal: SignalRefusal | null) => {
    if (finished) return;
    finished = true;
    clearInterval(ping);
    if (retry) clearTimeout(retry);
    opts.onClose(refusal);
  };
  const drop = (socket: WebSocket) => {
    socket.onopen = socket.onmessage = socket.onclose = null;
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close();
    if (ws !== socket || finished) return;
    ws = null;
    failures++;
    opts.onDown?.(failures);
    retry = setTimeout(connect, signalingBackoffMs(failures));
  };

  function connect() {
    retry = null;
    if (finished) return;
    const socket = new WebSocket(url);
    ws = socket;
    lastHeard = Date.now();
    socket.onopen = () => {
      lastHeard = Date.now();
      send({ type: 'join', protocol: 1 });
    };
    socket.onmessage = (e) => {
      lastHeard = Date.now();
      const m = JSON.parse(String(e.data)) as SignalServerMessage;
      if (m.type === 'error') lastError = { code: m.code, message: m.message };
      if (m.type === 'joined') failures = 0;
      opts.onMessage(m);
    };
    socket.onclose = (e) => {
      if (e.code >= 4400) {
        return finish({ code: lastError?.code ?? e.reason ?? 'signal.refused', message: lastError?.message ?? `The call server refused the connection (${e.code}).`, closeCode: e.code });
      }
      if (e.code === SignalCloseCode.replaced || e.code === SignalCloseCode.bye) return finish(null);
      drop(socket);
    };
  }

  const ping = setInterval(() => {
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN && Date.now() - lastHeard > SILENCE_MS) return drop(ws);
    if (ws.readyState === WebSocket.CONNECTING && Date.now() - lastHeard > SILENCE_MS) return drop(ws);
    send({ type: 'ping', t: Date.now() });
  }, PING_MS);
  connect();

  return {
    signal: (data: Record<string, unknown>) => send({ type: 'signal', data }),
    bye() {
      send({ type: 'bye' });
      const socket = ws;
      ws = null;
      if (socket) {
        socket.onclose = null;
        socket.close(1000);
      }
      finish(null);
    },
  };
}
export type SignalingConnection = ReturnType<typeof openSignaling>;

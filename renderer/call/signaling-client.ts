import { SIGNAL_PATH, type SignalClientMessage, type SignalServerMessage } from '../../app/contracts/signaling';

/** Close codes 4000 + HTTP status: a refusal the browser could not otherwise read (see the contract). */
export interface SignalRefusal {
  code: string;
  message: string;
  closeCode: number;
}

/** One authenticated WebSocket to the session's signaling room. */
export function openSignaling(opts: { base: string; sessionId: string; token: string; onMessage: (m: SignalServerMessage) => void; onClose: (refusal: SignalRefusal | null) => void }) {
  const url = `${opts.base.replace(/^http/, 'ws')}${SIGNAL_PATH}?session=${encodeURIComponent(opts.sessionId)}&access_token=${encodeURIComponent(opts.token)}`;
  const ws = new WebSocket(url);
  let lastError: { code: string; message: string } | null = null;
  const send = (m: SignalClientMessage) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
  };
  const ping = setInterval(() => send({ type: 'ping', t: Date.now() }), 10_000);
  ws.onopen = () => send({ type: 'join', protocol: 1 });
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as SignalServerMessage;
    if (m.type === 'error') lastError = { code: m.code, message: m.message };
    opts.onMessage(m);
  };
  ws.onclose = (e) => {
    clearInterval(ping);
    const refused = e.code >= 4400;
    opts.onClose(refused ? { code: lastError?.code ?? e.reason ?? 'signal.refused', message: lastError?.message ?? `The call server refused the connection (${e.code}).`, closeCode: e.code } : null);
  };
  return {
    signal: (data: Record<string, unknown>) => send({ type: 'signal', data }),
    bye() {
      send({ type: 'bye' });
      clearInterval(ping);
      ws.close(1000);
    },
  };
}
export type SignalingConnection = ReturnType<typeof openSignaling>;

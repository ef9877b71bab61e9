import WebSocket from 'ws';
import { SIGNAL_PATH, SignalServerMessage, type SignalClientMessage, type SignalServerMessageOf } from '../../../app/contracts/signaling';

/**
 * A signaling participant for tests: every server message is checked against the contract, and
 * read in order with `next(type)`, which fails (instead of hanging) when the socket closes first.
 */
export interface SignalTestClient {
  next<T extends SignalServerMessage['type']>(type: T): Promise<SignalServerMessageOf<T>>;
  send(msg: SignalClientMessage | string | Buffer): void;
  /** Resolves with the close code and reason, whoever closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Messages received and not read yet. */
  pending(): SignalServerMessage[];
  close(): void;
  terminate(): void;
}

export async function connectSignal(baseUrl: string, sessionId: string, token: string | null, opts: { tokenIn?: 'header' | 'query'; /** false: play dead, never answer the server's pings */ autoPong?: boolean } = {}): Promise<SignalTestClient> {
  const url = new URL(SIGNAL_PATH, baseUrl.replace(/^http/, 'ws'));
  url.searchParams.set('session', sessionId);
  if (token && opts.tokenIn === 'query') url.searchParams.set('access_token', token);
  const ws = new WebSocket(url, { headers: token && opts.tokenIn !== 'query' ? { authorization: `Bearer ${token}` } : {}, autoPong: opts.autoPong ?? true });
  const inbox: SignalServerMessage[] = [];
  const waiters: Array<() => void> = [];
  let closedWith: { code: number; reason: string } | null = null;
  const wake = () => waiters.splice(0).forEach((w) => w());
  ws.on('message', (raw) => {
    inbox.push(SignalServerMessage.parse(JSON.parse(raw.toString())));
    wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      closedWith = { code, reason: reason.toString() };
      resolve(closedWith);
      wake();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    async next(type) {
      for (;;) {
        const m = inbox.shift();
        if (m) {
          if (m.type !== type) throw new Error(`expected a ${type} message, got ${JSON.stringify(m)}`);
          return m as never;
        }
        if (closedWith) throw new Error(`socket closed (${closedWith.code} ${closedWith.reason}) before a ${type} message`);
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    send(msg) {
      ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
    },
    closed,
    pending: () => [...inbox],
    close: () => ws.close(),
    terminate: () => ws.terminate(),
  };
}

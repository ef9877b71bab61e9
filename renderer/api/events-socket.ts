import type { EvaluationEvent } from '../../app/contracts/api';

export type EventsState = 'connecting' | 'open' | 'closed';

/**
 * `/v1/events` with the token in the query (browsers cannot set headers), or the web app's session
 * cookie when it has no token; reconnects with backoff.
 * The token is read again at every (re)connect: the server closes a subscription whose token has
 * expired or was revoked (4401), and the next attempt must use the current one.
 */
export function connectEvents(opts: { base: string; token: () => Promise<string | null>; /** The web app signed in by its session cookie: without a token, the socket goes out with the cookie alone. */ cookieSession?: boolean; onEvent: (e: EvaluationEvent) => void; onState: (s: EventsState) => void }): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const retry = () => {
    if (!stopped) timer = setTimeout(open, Math.min(15_000, 500 * 2 ** attempt++));
  };
  const open = () => void connect().catch(retry);
  const connect = async () => {
    opts.onState('connecting');
    const token = await opts.token();
    if (stopped) return;
    if (!token && !opts.cookieSession) throw new Error('no token');
    // Same origin: the browser sends the session cookie with the upgrade, and the API checks the page's Origin.
    ws = new WebSocket(`${opts.base.replace(/^http/, 'ws')}/v1/events${token ? `?access_token=${encodeURIComponent(token)}` : ''}`);
    ws.onopen = () => {
      attempt = 0;
      opts.onState('open');
    };
    ws.onmessage = (m) => {
      try {
        const e = JSON.parse(String(m.data)) as { type?: string };
        if (e.type === 'evaluation') opts.onEvent(e as EvaluationEvent);
      } catch {
        /* ignore a malformed push */
      }
    };
    ws.onclose = () => {
      opts.onState('closed');
      retry();
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ws?.close();
  };
}

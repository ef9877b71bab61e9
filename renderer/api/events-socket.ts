import type { EvaluationEvent } from '../../app/contracts/api';

export type EventsState = 'connecting' | 'open' | 'closed';

/** `/v1/events` with the token in the query (browsers cannot set headers); reconnects with backoff. */
export function connectEvents(opts: { base: string; token: string; onEvent: (e: EvaluationEvent) => void; onState: (s: EventsState) => void }): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    opts.onState('connecting');
    ws = new WebSocket(`${opts.base.replace(/^http/, 'ws')}/v1/events?access_token=${encodeURIComponent(opts.token)}`);
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
      if (stopped) return;
      timer = setTimeout(open, Math.min(15_000, 500 * 2 ** attempt++));
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ws?.close();
  };
}

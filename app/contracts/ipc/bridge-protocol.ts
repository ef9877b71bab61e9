import { z } from 'zod';
import { ErrorData } from '../errors';

/**
 * Messages of the local WebSocket bridge (main/adapters/ws-bridge.ts), after `fromWire`.
 * Connect to `ws://127.0.0.1:<port>/?token=<per-launch token>`; a wrong token is refused (HTTP 401).
 *   → { id, type: 'call', channel, input }        ← { id, type: 'result', result: Result }
 *   → { id, type: 'subscribe', events: [names] }  ← { id, type: 'result', result: { ok: true, value: { events } } }
 *   ← { type: 'event', event, payload }            (only for subscribed events)
 * A message that is not one of these is answered with `id: null` and `request.invalid`.
 */
export const BridgeRequest = z.discriminatedUnion('type', [
  z.object({ id: z.number().int(), type: z.literal('call'), channel: z.string().min(1), input: z.unknown().optional() }),
  z.object({ id: z.number().int(), type: z.literal('subscribe'), events: z.array(z.string()).min(1) }),
]);
export type BridgeRequest = z.infer<typeof BridgeRequest>;

export const BridgeResponse = z.discriminatedUnion('type', [
  z.object({
    id: z.number().int().nullable(),
    type: z.literal('result'),
    result: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: ErrorData })]),
  }),
  z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() }),
]);
export type BridgeResponse = z.infer<typeof BridgeResponse>;

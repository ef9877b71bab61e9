import { isAppError } from '../../app/contracts/errors';
import type { ContractMap, HandlerMap } from '../../app/contracts/ipc-contract';
import { err, ok, type Result } from '../../app/contracts/result';

export interface Dispatcher {
  has(channel: string): boolean;
  /** Validates the input, runs the handler, validates the output; never throws. */
  call(channel: string, input: unknown): Promise<Result<unknown>>;
}

/**
 * The part both adapters share: a request from outside is data to check, and every answer is a
 * Result. An unexpected throw becomes `internal` without its message (it may hold paths or secrets).
 */
export function createDispatcher<C extends ContractMap>(contract: C, handlers: HandlerMap<C>, opts: { onInternalError?: (channel: string, e: unknown) => void } = {}): Dispatcher {
  const has = (channel: string) => Object.prototype.hasOwnProperty.call(contract, channel) && typeof handlers[channel] === 'function';
  return {
    has,
    async call(channel, input) {
      if (!has(channel)) return err({ code: 'request.not_found', message: `Unknown channel ${JSON.stringify(channel)}.` });
      const spec = contract[channel]!;
      const parsed = spec.input.safeParse(input);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        return err({ code: 'request.invalid', message: `Invalid input for ${channel}: ${issues.map((i) => `${i.path || '(input)'}: ${i.message}`).join('; ')}`, details: { issues } });
      }
      try {
        // The schema just produced this value for this channel, which is what the handler's type says.
        const handler = handlers[channel] as (input: unknown) => Promise<unknown>;
        const value = await handler(parsed.data);
        const out = spec.output.safeParse(value);
        if (!out.success) {
          opts.onInternalError?.(channel, out.error);
          return err({ code: 'internal', message: `${channel} produced an answer that breaks its contract.` });
        }
        return ok(out.data);
      } catch (e) {
        if (isAppError(e)) return err(e.toData());
        opts.onInternalError?.(channel, e);
        return err({ code: 'internal', message: `${channel} failed unexpectedly.` });
      }
    },
  };
}

import { isAppError } from '../../../../app/contracts/errors';
import type { ProviderRouter, TokenUsage } from '../gateway-contracts';
import type { PriceTable } from '../price-table';
import type { Target } from './policy-gate';

/**
 * Prices are listed per provider kind ('openai', 'local', …) and upstream model; a target is
 * looked up by its provider's kind first, then by its provider id (an 'openai-compatible'
 * deployment priced under its own name).
 */
function priced<T>(router: ProviderRouter, t: Target, fn: (provider: string) => T): T {
  const p = router.provider(t.providerId);
  try {
    return fn(p.kind);
  } catch (e) {
    if (!isAppError(e) || p.id === p.kind) throw e;
    return fn(p.id);
  }
}

export function chatCost(prices: PriceTable, router: ProviderRouter, t: Target, usage: TokenUsage): number {
  return priced(router, t, (provider) => prices.estimateCost({ model: t.upstreamModel, provider, promptTokens: usage.promptTokens, maxTokens: usage.completionTokens }));
}

export function sttCost(prices: PriceTable, router: ProviderRouter, t: Target, audioSec: number): number {
  return priced(router, t, (provider) => prices.estimateSttCost({ model: t.upstreamModel, provider, audioSec }));
}

/**
 * The worst case over the targets a call may fall back to, and the targets that have a price
 * (an unpriced target cannot be budgeted, so it is not used).
 */
export function worstCase(targets: readonly Target[], cost: (t: Target) => number): { micros: number; priced: Target[]; unpriced: Target[] } {
  let micros = 0;
  const ok: Target[] = [];
  const unpriced: Target[] = [];
  for (const t of targets) {
    try {
      micros = Math.max(micros, cost(t));
      ok.push(t);
    } catch (e) {
      if (!isAppError(e)) throw e;
      unpriced.push(t);
    }
  }
  return { micros, priced: ok, unpriced };
}

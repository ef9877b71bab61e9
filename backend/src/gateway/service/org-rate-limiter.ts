/**
 * Requests per minute per org, as a token bucket in this process's memory: a burst of up to the
 * minute's allowance, refilled continuously. One gateway instance per deployment keeps this exact;
 * several instances would each allow the full rate (then move it to PostgreSQL or Redis).
 */
export interface OrgRateLimiter {
  /** Takes one request's token; when none is left, says how long until the next one. */
  take(orgId: string): { ok: true } | { ok: false; retryAfterSec: number };
}

export function createOrgRateLimiter(requestsPerMinute: number, now: () => number = () => performance.now()): OrgRateLimiter {
  if (!(requestsPerMinute > 0)) throw new Error('requestsPerMinute must be positive');
  const perMs = requestsPerMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(orgId) {
      const t = now();
      const b = buckets.get(orgId) ?? { tokens: requestsPerMinute, at: t };
      b.tokens = Math.min(requestsPerMinute, b.tokens + (t - b.at) * perMs);
      b.at = t;
      buckets.set(orgId, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
  };
}

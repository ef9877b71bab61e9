import { describe, expect, it } from 'vitest';
import { createOrgRateLimiter } from './org-rate-limiter';

describe('org rate limiter', () => {
  it('allows a burst of the per-minute rate, then refills one request per 60/rate seconds, per org', () => {
    let now = 0;
    const l = createOrgRateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) expect(l.take('a').ok).toBe(true);
    expect(l.take('a')).toEqual({ ok: false, retryAfterSec: 10 });
    expect(l.take('b').ok).toBe(true);
    now += 9_999;
    expect(l.take('a').ok).toBe(false);
    now += 2;
    expect(l.take('a').ok).toBe(true);
    expect(l.take('a').ok).toBe(false);
  });
});

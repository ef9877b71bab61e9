import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, postChat, startGatewayHarness, type GatewayHarness } from './gateway-test-harness';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ requestsPerMinutePerOrg: 3 });
  h.upstream.respond = () => ({ json: chatAnswer('ok') });
});
afterAll(() => h.close());

const ask = { model: 'test-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 };

describe('per-org rate limit', () => {
  it('answers 429 rate.limited with Retry-After once the org used its requests per minute, forwards nothing, and leaves other orgs alone', async () => {
    const a = await h.org();
    const b = await h.org();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postChat(h.baseURL, a.secret, ask)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const before = h.upstream.calls.length;
    const limited = await postChat(h.baseURL, a.secret, ask);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'rate.limited', type: 'rate_limit_error' });
    expect(h.upstream.calls.length).toBe(before);
    expect((await h.audit(a.orgId)).at(-1)!.outcome).toBe('rate.limited');
    expect((await postChat(h.baseURL, b.secret, ask)).status).toBe(200);
  });
});

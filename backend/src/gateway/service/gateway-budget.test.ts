import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatePromptTokens } from './prompt-tokens';
import { chatAnswer, postChat, startGatewayHarness, type GatewayHarness } from './gateway-test-harness';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(() => h.close());

const messages = [{ role: 'user' as const, content: 'Rate the open questions in this excerpt.' }];
const MAX_TOKENS = 100;
// Prices: 1 micro-USD per prompt token, 2 per completion token.
const PROMPT = estimatePromptTokens(messages);
const WORST = PROMPT + 2 * MAX_TOKENS;

describe('budget enforcement over HTTP', () => {
  it('lets exactly N of 500 concurrent calls through against a cap that allows N: the rest get 402, upstream sees exactly N, settled ≤ cap', async () => {
    const o = await h.org();
    const N = 37;
    const cap = N * WORST + WORST - 1;
    await h.budget(o.orgId, { scope: 'org', period: 'month', capMicros: cap });
    // The provider bills exactly the worst case, so no settlement frees room for an extra call.
    h.upstream.respond = () => ({ json: chatAnswer('ok', { prompt: PROMPT, completion: MAX_TOKENS }) });
    const before = h.upstream.calls.length;
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 500 }, async () => {
        const res = await postChat(h.baseURL, o.secret, { model: 'test-chat', messages, max_tokens: MAX_TOKENS });
        const body = (await res.json()) as { error?: { code: string } };
        return res.status === 402 ? `402 ${body.error?.code}` : String(res.status);
      }),
    );
    const ms = performance.now() - started;
    const counts = statuses.reduce<Record<string, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});
    expect(counts).toEqual({ '200': N, '402 budget.exceeded': 500 - N });
    expect(h.upstream.calls.length - before).toBe(N);
    const c = await h.db.withOrg(o.orgId, (tx) => tx.query<{ reserved: string; settled: string }>('SELECT reserved_micros AS reserved, settled_micros AS settled FROM ai_budget_counters'));
    expect(c.rows).toEqual([{ reserved: '0', settled: String(N * WORST) }]);
    expect(N * WORST).toBeLessThanOrEqual(cap);
    const audit = await h.audit(o.orgId);
    expect(audit.filter((r) => r.outcome === 'ok')).toHaveLength(N);
    expect(audit.filter((r) => r.outcome === 'budget.exceeded')).toHaveLength(500 - N);
    expect(await h.verify(o.orgId)).toMatchObject({ ok: true, count: 500 });
    console.log(`[gateway budget] 500 concurrent calls, cap for ${N}: ${counts['200']} passed, ${ms.toFixed(0)} ms`);
  });

  it('forwards nothing when the budget cannot cover the worst case, and answers 402 budget.exceeded naming the budget', async () => {
    const o = await h.org();
    await h.budget(o.orgId, { scope: 'purpose', scopeKey: 'rubric_analysis', period: 'day', capMicros: WORST - 1 });
    const before = h.upstream.calls.length;
    const res = await postChat(h.baseURL, o.secret, { model: 'test-chat', messages, max_tokens: MAX_TOKENS });
    expect(res.status).toBe(402);
    const err = ((await res.json()) as { error: { code: string; type: string; details: { budget: { scope: string; capMicros: number; requestedMicros: number } } } }).error;
    expect(err).toMatchObject({ code: 'budget.exceeded', type: 'insufficient_quota', details: { budget: { scope: 'purpose', capMicros: WORST - 1, requestedMicros: WORST } } });
    expect(h.upstream.calls.length).toBe(before);
    expect((await h.audit(o.orgId)).map((r) => r.outcome)).toEqual(['budget.exceeded']);
  });

  it('settles the actual usage, not the reservation, and reports a soft alert in a header once the threshold is reached', async () => {
    const o = await h.org();
    // Threshold WORST + 10: the first reservation stays below it, the second (20 settled + WORST) crosses it.
    await h.budget(o.orgId, { scope: 'org', period: 'month', capMicros: (WORST + 10) * 10_000, softAlertFraction: 0.0001 });
    h.upstream.respond = () => ({ json: chatAnswer('ok', { prompt: 10, completion: 5 }) });
    const first = await postChat(h.baseURL, o.secret, { model: 'test-chat', messages, max_tokens: MAX_TOKENS });
    expect(first.headers.get('x-fe-budget-alert')).toBeNull();
    const second = await postChat(h.baseURL, o.secret, { model: 'test-chat', messages, max_tokens: MAX_TOKENS });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-fe-budget-alert')).toMatch(/^org;period=month;used=\d+;cap=\d+$/);
    expect(h.logs.some((l) => l.msg === 'budget soft alert crossed' && l.data?.orgId === o.orgId)).toBe(true);
    const c = await h.db.withOrg(o.orgId, (tx) => tx.query<{ reserved: string; settled: string }>('SELECT reserved_micros AS reserved, settled_micros AS settled FROM ai_budget_counters'));
    expect(c.rows).toEqual([{ reserved: '0', settled: String(2 * (10 + 2 * 5)) }]);
  });
});

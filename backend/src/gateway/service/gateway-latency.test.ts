import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, postChat, startGatewayHarness, type GatewayHarness } from './gateway-test-harness';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(() => h.close());

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

describe('added latency (observed, not asserted)', () => {
  it('gives the same answer as the upstream called directly, and logs the time each path takes', async () => {
    const o = await h.org();
    const answer = chatAnswer('ok', { prompt: 10, completion: 1 });
    h.upstream.respond = () => ({ json: answer });
    const body = { model: 'test-chat', messages: [{ role: 'user', content: 'How did the session go?' }], max_tokens: 16 };
    const direct: number[] = [];
    const gateway: number[] = [];
    // Warm both paths (connections, caches, JIT) before measuring.
    for (let i = 0; i < 20; i++) {
      await (await fetch(`${h.upstream.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ ...body, model: 'test-model' }) })).json();
      await (await postChat(h.baseURL, o.secret, body)).json();
    }
    for (let i = 0; i < 100; i++) {
      let t = performance.now();
      const d = (await (await fetch(`${h.upstream.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ ...body, model: 'test-model' }) })).json()) as { choices: unknown };
      direct.push(performance.now() - t);
      t = performance.now();
      const g = (await (await postChat(h.baseURL, o.secret, body)).json()) as { choices: unknown };
      gateway.push(performance.now() - t);
      expect(g.choices).toEqual(d.choices);
    }
    const added = (q: number) => (p(gateway, q) - p(direct, q)).toFixed(2);
    console.log(`[gateway latency] sequential, 100 calls: direct p50 ${p(direct, 0.5).toFixed(2)} ms, via gateway p50 ${p(gateway, 0.5).toFixed(2)} ms p99 ${p(gateway, 0.99).toFixed(2)} ms; added p50 ${added(0.5)} ms, p99 ${added(0.99)} ms`);
    expect((await h.audit(o.orgId)).length).toBe(120);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { chatAnswer, postChat, startGatewayHarness, type GatewayHarness } from '../gateway/service/gateway-test-harness';
import { createMetrics } from './metrics';
import { createOpsEndpoints } from './ops-endpoints';
import { listenOpsEndpoints } from './ops-listener';
import { createReadiness } from './readiness';

const ask = { model: 'test-chat', messages: [{ role: 'user', content: 'How was it?' }], max_tokens: 50 };

describe('API metrics', () => {
  const metrics = createMetrics('api');
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ metrics });
  });
  afterAll(() => h.close());

  it('counts requests by route template and status, with a latency histogram', async () => {
    const u = await h.user('clinician');
    const auth = { authorization: `Bearer ${u.token}` };
    expect((await fetch(`${h.url}/v1/me`, { headers: auth })).status).toBe(200);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await fetch(`${h.url}/v1/sessions/${missing}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${h.url}/no/such/path`)).status).toBe(404);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/fe_http_requests_total\{method="GET",route="\/v1\/me",status="200",service="api"\} 1/);
    expect(text).toMatch(/fe_http_requests_total\{method="GET",route="\/v1\/sessions\/:id",status="404",service="api"\} 1/);
    expect(text).toMatch(/fe_http_requests_total\{method="GET",route="unmatched",status="404",service="api"\} 1/);
    expect(text).not.toContain(missing);
    expect(text).toContain('fe_http_request_duration_seconds_bucket{le="0.005",service="api",method="GET",route="/v1/me",status="200"}');
    expect(text).toContain('fe_http_request_duration_seconds_count{service="api",method="GET",route="/v1/me",status="200"} 1');
    metrics.evaluationFinished('completed');
    expect(await metrics.registry.metrics()).toContain('fe_evaluations_total{outcome="completed",service="api"} 1');
  });
});

describe('gateway metrics', () => {
  const metrics = createMetrics('gateway');
  let g: GatewayHarness;
  beforeAll(async () => {
    g = await startGatewayHarness({ metrics });
  });
  afterAll(() => g.close());

  it('counts calls by provider, model and decision with their tokens and cost', async () => {
    const o = await g.org();
    g.upstream.respond = () => ({ json: chatAnswer('Fine.', { prompt: 12, completion: 7 }) });
    expect((await postChat(g.baseURL, o.secret, ask)).status).toBe(200);
    const text = await metrics.registry.metrics();
    expect(text).toContain('fe_gateway_calls_total{provider="upstream-eu",model="test-chat",decision="allow",outcome="ok",service="gateway"} 1');
    expect(text).toContain('fe_gateway_tokens_total{provider="upstream-eu",model="test-chat",direction="in",service="gateway"} 12');
    expect(text).toContain('fe_gateway_tokens_total{provider="upstream-eu",model="test-chat",direction="out",service="gateway"} 7');
    expect(text).toMatch(/fe_gateway_cost_micros_total\{provider="upstream-eu",model="test-chat",service="gateway"\} \d+/);
    expect(text).toContain('fe_http_requests_total{method="POST",route="/v1/chat/completions",status="200",service="gateway"} 1');
  });
});

describe('/metrics', () => {
  it('serves the registry in Prometheus text format to a loopback client', async () => {
    const metrics = createMetrics('worker');
    const l = await listenOpsEndpoints(createOpsEndpoints({ readiness: createReadiness({}), registry: metrics.registry }), 0, '127.0.0.1');
    try {
      const r = await fetch(`${l.url}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain');
      expect(await r.text()).toContain('fe_process_cpu_seconds_total{service="worker"}');
    } finally {
      await l.close();
    }
  });
});

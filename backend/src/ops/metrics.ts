import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The label a request is counted under when no route template matched: never the raw path (unbounded cardinality). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * One Prometheus registry per process (`service` = api, gateway or worker as a default label).
 * The metric names are documented in the README ("Metrics"); change them there too.
 */
export function createMetrics(service: 'api' | 'gateway' | 'worker') {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'fe_' });
  const registers = [registry];
  const httpRequests = new Counter({ name: 'fe_http_requests_total', help: 'HTTP requests answered, by method, route template and status.', labelNames: ['method', 'route', 'status'] as const, registers });
  const httpDuration = new Histogram({
    name: 'fe_http_request_duration_seconds',
    help: 'Time from request to the end of the answer, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const evaluations = new Counter({ name: 'fe_evaluations_total', help: 'Evaluations that reached a final state, by outcome (seen by this API process through the evaluation events).', labelNames: ['outcome'] as const, registers });
  const gatewayCalls = new Counter({ name: 'fe_gateway_calls_total', help: 'Gateway calls recorded in its audit trail, by provider, public model, policy decision and outcome code.', labelNames: ['provider', 'model', 'decision', 'outcome'] as const, registers });
  const gatewayTokens = new Counter({ name: 'fe_gateway_tokens_total', help: 'Tokens of gateway calls, by provider, public model and direction (in, out).', labelNames: ['provider', 'model', 'direction'] as const, registers });
  const gatewayCost = new Counter({ name: 'fe_gateway_cost_micros_total', help: 'Charged cost of gateway calls in micro-units of the price table currency, by provider and public model.', labelNames: ['provider', 'model'] as const, registers });

  return {
    registry,
    /** Counts the request when its answer ends; `routeOf` gives the template (…/sessions/:id), read at that moment. */
    observeHttp(req: IncomingMessage, res: ServerResponse, routeOf: () => string | undefined) {
      const t0 = performance.now();
      res.once('finish', () => {
        const labels = { method: req.method ?? 'GET', route: routeOf() ?? UNMATCHED_ROUTE, status: String(res.statusCode) };
        httpRequests.inc(labels);
        httpDuration.observe(labels, (performance.now() - t0) / 1000);
      });
    },
    evaluationFinished(outcome: string) {
      evaluations.inc({ outcome });
    },
    gatewayCall(r: { provider: string; model: string; policyDecision: string; outcome?: string; tokensIn?: number; tokensOut?: number; costMicros?: number }) {
      gatewayCalls.inc({ provider: r.provider, model: r.model, decision: r.policyDecision, outcome: r.outcome ?? 'ok' });
      if (r.tokensIn) gatewayTokens.inc({ provider: r.provider, model: r.model, direction: 'in' }, r.tokensIn);
      if (r.tokensOut) gatewayTokens.inc({ provider: r.provider, model: r.model, direction: 'out' }, r.tokensOut);
      if (r.costMicros) gatewayCost.inc({ provider: r.provider, model: r.model }, r.costMicros);
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

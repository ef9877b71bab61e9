import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry';

type WorkflowSpanSinks = { exporter: OpenTelemetryWorkflowExporter };

/**
 * OpenTelemetry traces (docs/decisions/031): one trace from an API request through the Temporal
 * workflow, each activity, the gateway and its call to the provider. W3C traceparent travels over
 * HTTP (the activities' gateway calls, the gateway's provider calls) and in Temporal headers (the
 * SDK's interceptors). Off unless FE_OTEL_EXPORTER_URL is set: the SDK is then never loaded, no
 * middleware or interceptor is installed, and `@opentelemetry/api` answers with its no-op tracer.
 */

interface TemporalTracing {
  client: WorkflowClientInterceptor[];
  activity: ActivityInterceptorsFactory[];
  workflowModules: string[];
  sinks: InjectedSinks<WorkflowSpanSinks>;
}

interface Active {
  temporal: TemporalTracing;
  processor: SpanProcessor;
  shutdown(): Promise<void>;
  users: number;
}

let active: Active | null = null;

const TRACER = 'feedback-evaluation';
const tracer = () => trace.getTracer(TRACER);

/**
 * Starts exporting spans to `exporterUrl` (OTLP/HTTP, JSON) for this process; nothing when unset.
 * One tracer provider per process: a second start (the runtime and its in-process gateway) shares
 * the first, and the last stop flushes and unregisters it.
 */
export async function startTracing(opts: { exporterUrl?: string; serviceName: string }): Promise<{ stop(): Promise<void> }> {
  if (!opts.exporterUrl) return { stop: async () => undefined };
  if (!active) {
    const [{ OTLPTraceExporter }, { BasicTracerProvider, BatchSpanProcessor }, { Resource }, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, otelTemporal] = await Promise.all([
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@temporalio/interceptors-opentelemetry'),
    ]);
    const resource = new Resource({ 'service.name': opts.serviceName });
    const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.exporterUrl }), { scheduledDelayMillis: 1000 });
    const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
    provider.register({ contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() });
    const require = createRequire(import.meta.url);
    active = {
      processor,
      users: 0,
      temporal: {
        client: [new otelTemporal.OpenTelemetryWorkflowClientInterceptor()],
        activity: [(ctx) => ({ inbound: new otelTemporal.OpenTelemetryActivityInboundInterceptor(ctx), outbound: new otelTemporal.OpenTelemetryActivityOutboundInterceptor(ctx) })],
        workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
        sinks: { exporter: otelTemporal.makeWorkflowExporter(processor, resource) },
      },
      async shutdown() {
        await provider.shutdown();
        trace.disable();
        context.disable();
        propagation.disable();
      },
    };
  }
  const a = active;
  a.users += 1;
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      a.users -= 1;
      if (a.users > 0) return;
      if (active === a) active = null;
      await a.shutdown();
    },
  };
}

/** Temporal's interceptors, workflow interceptor module and span sink while tracing is on; null when off. */
export const temporalTracing = (): TemporalTracing | null => active?.temporal ?? null;

/** Exports the spans ended so far (tests read the collector right after an evaluation). */
export const flushTraces = async () => active?.processor.forceFlush();

/**
 * A SERVER span around one HTTP request, child of the caller's traceparent, named after the route
 * once it is known (`routeOf`, read when the response ends). Runs `next` inside it so every span
 * and log line of the request joins its trace. When tracing is off, `next` runs as it is.
 */
export function traceRequest(req: IncomingMessage, res: ServerResponse, routeOf: () => string | undefined, next: () => void): void {
  if (!active) return next();
  const parent = propagation.extract(context.active(), req.headers);
  const path = (req.url ?? '/').split('?', 1)[0];
  const span = tracer().startSpan(`${req.method} ${path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': path } }, parent);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    const route = routeOf();
    if (route) {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  res.once('finish', end);
  res.once('close', end);
  context.with(trace.setSpan(parent, span), next);
}

/** A CLIENT span around a call to another service; `headers` gets its traceparent. */
export async function traceClientCall<T>(name: string, attributes: Record<string, string>, headers: Record<string, string>, call: () => Promise<T>): Promise<T> {
  if (!active) return call();
  return tracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span: Span) => {
    propagation.inject(context.active(), headers);
    try {
      return await call();
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message.slice(0, 200) : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** The active trace's traceparent (and tracestate) to send on an outgoing request; empty when off. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (active) propagation.inject(context.active(), carrier);
  return carrier;
}

/** traceId and spanId of the active span for a log line (pino mixin); empty outside a span or when off. */
export function traceIdsForLog(): { traceId?: string; spanId?: string } {
  if (!active) return {};
  const s = trace.getSpan(context.active())?.spanContext();
  return s && trace.isSpanContextValid(s) ? { traceId: s.traceId, spanId: s.spanId } : {};
}

import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, makeTelemetryFilterString, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from './activities';
import type { EvaluationDeps } from './evaluation-deps';
import type { TemporalConnectionOptions } from '../transport/temporal-connection';
import { createRetentionActivities, type RetentionDeps } from './retention-activities';
import { activityLog } from './activity-log';
import { sdkLogger } from './sdk-log';
import { temporalTracing } from '../ops/tracing';
import type { Log } from '../runtime/log';

export const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
/** Bundle the workflow code once per process (webpack takes seconds); with tracing on, with the OpenTelemetry workflow interceptors in it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const workflowInterceptorModules = temporalTracing()?.workflowModules ?? [];
  const key = workflowInterceptorModules.join('\n');
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never });
    bundles.set(key, bundle);
  }
  return bundle;
}

let runtimeInstalled = false;
/**
 * The SDK logs every state change at INFO; keep its warnings and errors only, as pino lines of `log`
 * when given (its own and, forwarded, the native core's). The runtime is per process: the first call wins.
 */
function quietSdkLogs(log?: Log) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install(log ? { logger: sdkLogger(log), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } } } : { logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by the host process
  }
}

/** The worker's NativeConnection takes the same `tls`/`apiKey` as the API's client (temporalConnectionOptions). */
export async function connectWorkerConnection(opts: TemporalConnectionOptions & { log?: Log }): Promise<NativeConnection> {
  quietSdkLogs(opts.log);
  return NativeConnection.connect({ address: opts.address, tls: opts.tls, apiKey: opts.apiKey });
}

export async function createEvaluationWorker(opts: TemporalConnectionOptions & { namespace: string; taskQueue: string; deps: EvaluationDeps; retention?: RetentionDeps; identity?: string; log?: Log }) {
  const connection = await connectWorkerConnection(opts);
  const tracing = temporalTracing();
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...createActivities(opts.deps), ...(opts.retention ? createRetentionActivities(opts.retention) : {}) },
    // Whisper and the local model each use both cores: one heavy activity at a time.
    maxConcurrentActivityTaskExecutions: 2,
    // The tracing interceptors first: the activity log's lines are written inside the activity's span.
    interceptors: { activity: [...(tracing?.activity ?? []), ...(opts.log ? [activityLog(opts.log)] : [])] },
    ...(tracing ? { sinks: tracing.sinks } : {}),
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
  return {
    worker,
    /** Runs until shutdown() resolves it. */
    run: () => worker.run(),
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await connection.close().catch(() => undefined);
    },
  };
}

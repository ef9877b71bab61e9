import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { temporalTracing } from '../ops/tracing';
import type { TemporalConnectionOptions } from '../transport/temporal-connection';
import { EVALUATE_SESSION, type EvaluateSessionInput, type EvaluateSessionResult } from './evaluation-types';

export interface EvaluationClient {
  /** Idempotent: the workflow id is derived from the evaluation id. */
  start(input: EvaluateSessionInput): Promise<{ workflowId: string; runId: string }>;
  result(workflowId: string): Promise<EvaluateSessionResult>;
  /**
   * Terminates the workflow at once (no cleanup code of the workflow runs, so nothing is written
   * back; results of activities still in flight are discarded). `not_running` when it had already
   * finished or never started.
   */
  terminate(workflowId: string, reason: string): Promise<'terminated' | 'not_running'>;
  close(): Promise<void>;
  client: Client;
}

export const workflowIdFor = (evaluationId: string) => `evaluate-${evaluationId}`;

/** `tls` and `apiKey` as built by temporalConnectionOptions (FE_TEMPORAL_TLS_*, FE_TEMPORAL_API_KEY). */
export async function connectEvaluationClient(opts: TemporalConnectionOptions & { namespace: string; taskQueue: string; connectTimeoutMs?: number }): Promise<EvaluationClient> {
  const connection = await Connection.connect({ address: opts.address, tls: opts.tls, apiKey: opts.apiKey, ...(opts.connectTimeoutMs ? { connectTimeout: opts.connectTimeoutMs } : {}) });
  const client = new Client({ connection, namespace: opts.namespace, interceptors: { workflow: temporalTracing()?.client ?? [] } });
  return {
    client,
    async start(input) {
      const workflowId = workflowIdFor(input.evaluationId);
      try {
        const h = await client.workflow.start(EVALUATE_SESSION, { taskQueue: opts.taskQueue, workflowId, args: [input], ...(input.requestId ? { memo: { requestId: input.requestId } } : {}) });
        return { workflowId, runId: h.firstExecutionRunId };
      } catch (e) {
        if (e instanceof WorkflowExecutionAlreadyStartedError) {
          const d = await client.workflow.getHandle(workflowId).describe();
          return { workflowId, runId: d.runId };
        }
        throw e;
      }
    },
    async terminate(workflowId, reason) {
      try {
        await client.workflow.getHandle(workflowId).terminate(reason);
        return 'terminated';
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) return 'not_running';
        throw e;
      }
    },
    result: (workflowId) => client.workflow.getHandle(workflowId).result() as Promise<EvaluateSessionResult>,
    close: () => connection.close(),
  };
}

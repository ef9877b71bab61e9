import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { temporalTracing } from '../ops/tracing';
import { ensureNamespace, namespaceFor, orgNamespace, type NamespacePlan } from './org-namespaces';
import type { TemporalConnectionOptions } from '../transport/temporal-connection';
import { EVALUATE_SESSION, type EvaluateSessionInput, type EvaluateSessionResult } from './evaluation-types';

export interface EvaluationClient {
  /** Idempotent: the workflow id is derived from the evaluation id. */
  start(input: EvaluateSessionInput): Promise<{ workflowId: string; runId: string }>;
  /** `orgId`: the workflow's org, needed with per-org namespaces. */
  result(workflowId: string, orgId?: string): Promise<EvaluateSessionResult>;
  /**
   * Terminates the workflow at once (no cleanup code of the workflow runs, so nothing is written
   * back; results of activities still in flight are discarded). `not_running` when it had already
   * finished or never started.
   */
  terminate(workflowId: string, reason: string, orgId?: string): Promise<'terminated' | 'not_running'>;
  close(): Promise<void>;
  /** The client of the deployment's namespace (TEMPORAL_NAMESPACE). */
  client: Client;
  /** The client of the namespace an org's workflows run in (the deployment's with shared namespaces). */
  clientFor(orgId: string): Client;
}

export const workflowIdFor = (evaluationId: string) => `evaluate-${evaluationId}`;

/** `tls` and `apiKey` as built by temporalConnectionOptions (FE_TEMPORAL_TLS_*, FE_TEMPORAL_API_KEY). */
/**
 * `perOrg`: per-org namespaces (docs/decisions/036), each registered before its org's first
 * workflow with the retention `retentionDays` gives for the org. Unset: every org in `namespace`.
 */
export async function connectEvaluationClient(opts: TemporalConnectionOptions & { namespace: string; taskQueue: string; connectTimeoutMs?: number; perOrg?: { retentionDays: (orgId: string) => Promise<number> } }): Promise<EvaluationClient> {
  const connection = await Connection.connect({ address: opts.address, tls: opts.tls, apiKey: opts.apiKey, ...(opts.connectTimeoutMs ? { connectTimeout: opts.connectTimeoutMs } : {}) });
  const plan: NamespacePlan = { mode: opts.perOrg ? 'per-org' : 'shared', shared: opts.namespace };
  const clients = new Map<string, Client>();
  const clientOf = (namespace: string) => {
    let c = clients.get(namespace);
    if (!c) clients.set(namespace, (c = new Client({ connection, namespace, interceptors: { workflow: temporalTracing()?.client ?? [] } })));
    return c;
  };
  const client = clientOf(opts.namespace);
  const clientFor = (orgId: string | undefined) => clientOf(namespaceFor(plan, orgId));
  const ensured = new Map<string, Promise<unknown>>();
  const ensure = async (orgId: string) => {
    if (!opts.perOrg) return;
    const namespace = orgNamespace(orgId);
    let p = ensured.get(namespace);
    if (!p) ensured.set(namespace, (p = opts.perOrg.retentionDays(orgId).then((days) => ensureNamespace(connection, namespace, days))));
    await p.catch((e: unknown) => {
      ensured.delete(namespace);
      throw e;
    });
  };
  return {
    client,
    clientFor: (orgId) => clientFor(orgId),
    async start(input) {
      const workflowId = workflowIdFor(input.evaluationId);
      await ensure(input.orgId);
      const client = clientFor(input.orgId);
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
    async terminate(workflowId, reason, orgId) {
      try {
        await clientFor(orgId).workflow.getHandle(workflowId).terminate(reason);
        return 'terminated';
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) return 'not_running';
        throw e;
      }
    },
    result: (workflowId, orgId) => clientFor(orgId).workflow.getHandle(workflowId).result() as Promise<EvaluateSessionResult>,
    close: () => connection.close(),
  };
}

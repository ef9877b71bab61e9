import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { EVALUATE_SESSION, type EvaluateSessionInput, type EvaluateSessionResult } from './evaluation-types';

export interface EvaluationClient {
  /** Idempotent: the workflow id is derived from the evaluation id. */
  start(input: EvaluateSessionInput): Promise<{ workflowId: string; runId: string }>;
  result(workflowId: string): Promise<EvaluateSessionResult>;
  close(): Promise<void>;
  client: Client;
}

export const workflowIdFor = (evaluationId: string) => `evaluate-${evaluationId}`;

export async function connectEvaluationClient(opts: { address: string; namespace: string; taskQueue: string }): Promise<EvaluationClient> {
  const connection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection, namespace: opts.namespace });
  return {
    client,
    async start(input) {
      const workflowId = workflowIdFor(input.evaluationId);
      try {
        const h = await client.workflow.start(EVALUATE_SESSION, { taskQueue: opts.taskQueue, workflowId, args: [input] });
        return { workflowId, runId: h.firstExecutionRunId };
      } catch (e) {
        if (e instanceof WorkflowExecutionAlreadyStartedError) {
          const d = await client.workflow.getHandle(workflowId).describe();
          return { workflowId, runId: d.runId };
        }
        throw e;
      }
    },
    result: (workflowId) => client.workflow.getHandle(workflowId).result() as Promise<EvaluateSessionResult>,
    close: () => connection.close(),
  };
}

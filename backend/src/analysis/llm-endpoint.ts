import type { CallOutcome } from '../../../app/rubric/model-output';
import type { ModelTimings } from '../llm/rubric-analysis';

/**
 * Where the analysis asks its model: in the product the governance gateway (with the org's
 * workload credential), in benchmarks the gateway or a local model server. Headers carry the
 * gateway's purpose, session and user.
 */
export interface LlmEndpoint {
  baseURL: string;
  apiKey: string;
  model: string;
  headers?: Record<string, string>;
}

export interface CallUsage {
  calls: number;
  retries: number;
  promptTokens: number;
  completionTokens: number;
}

export const NO_USAGE: CallUsage = Object.freeze({ calls: 0, retries: 0, promptTokens: 0, completionTokens: 0 });

export function addUsage(a: CallUsage, b: CallUsage): CallUsage {
  return { calls: a.calls + b.calls, retries: a.retries + b.retries, promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens };
}

/** One model call as it happened, for logs and benchmarks (prompt ms shows the KV-cache reuse). */
export interface CallRecord {
  /** `coding 2/5`, `section global_change`, `narrative`. */
  step: string;
  attempt: number;
  wallMs: number;
  promptTokens: number;
  completionTokens: number;
  /** From the local model server; null through providers that do not report them. */
  timings: ModelTimings | null;
  /** Why the answer was refused (degenerate or not matching the format), or null. */
  refused: string | null;
}

/** What one analysis step gives back: the outcome to store, how many calls it took, and their tokens. */
export interface StepResult<T> {
  outcome: CallOutcome<T>;
  attempts: number;
  usage: CallUsage;
  /** The model as the endpoint reported it. */
  model: string;
}

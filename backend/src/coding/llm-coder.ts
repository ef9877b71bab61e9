import { codeUnitsWithLlm, DEFAULT_CODING_BATCH } from '../analysis/analysis-steps';
import type { CallRecord, LlmEndpoint } from '../analysis/llm-endpoint';
import type { UnitCoder } from './unit-coder';

export interface LlmCoderOptions {
  /** Clinician units per call (default 12). */
  batchSize?: number;
  /** Idempotency-Key prefix of the coding calls (the workflow passes one per evaluation). */
  idempotencyKey?: string;
  onCall?: (c: CallRecord) => void;
}

/**
 * The LLM as utterance coder (docs/decisions/011): batches of clinician units, each call starting
 * with the same transcript prefix as every other call of the evaluation (so the local engine reads
 * the transcript once) and ending with the batch's stretch of transcript and the ids to code. The
 * JSON schema has exactly the batch's ids as keys and the code book's ids as values.
 */
export function createLlmCoder(llm: LlmEndpoint, opts: LlmCoderOptions = {}): UnitCoder {
  return {
    info: { kind: 'llm', name: llm.model },
    async code(input) {
      const r = await codeUnitsWithLlm({
        llm,
        units: input.units,
        book: input.book,
        batchSize: opts.batchSize ?? DEFAULT_CODING_BATCH,
        idempotencyKey: opts.idempotencyKey,
        onCall: opts.onCall,
        onProgress: input.onProgress,
        signal: input.signal,
      });
      return { outcome: r.outcome, usage: r.usage };
    },
  };
}

import type { CoderInfo } from '../../../app/rubric/analysis';
import type { CallOutcome, CodingAnswer } from '../../../app/rubric/model-output';
import type { RubricCoding } from '../../../app/rubric/rubric';
import type { TranscriptUnit } from '../../../app/transcript/units';

/**
 * Gives every clinician unit (channel 0) one code of a rubric's code book. Two kinds implement it
 * (docs/decisions/011, 012): the LLM through the gateway (batches of units with their preceding
 * context) and a trained classifier over sentence embeddings. The answer is lenient
 * (`CodingAnswer`: unit id → code id) and is checked by `assembleAnalysis` against the units and
 * the code book, so both coders are held to the same rules.
 */
export interface UnitCoder {
  readonly info: CoderInfo;
  code(input: UnitCodingInput): Promise<UnitCodingResult>;
}

export interface UnitCodingInput {
  /** The whole transcript in unit order: patient units give context, clinician units get codes. */
  units: readonly TranscriptUnit[];
  book: RubricCoding;
  /** 0..1, called as batches finish. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export interface UnitCodingResult {
  outcome: CallOutcome<CodingAnswer>;
  /** Model calls made (0 for a classifier) and their tokens. */
  usage: { calls: number; retries: number; promptTokens: number; completionTokens: number };
}

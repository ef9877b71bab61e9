import { z } from 'zod';

/**
 * What the model answers, as parsed: lenient on purpose. The request carries a strict JSON schema
 * (answer-schemas.ts: unit ids and codes as enums, scores as the scale's values) that a local model
 * under a grammar cannot break; a remote model may, so ids, codes and scores are checked after the
 * answer (assemble-analysis.ts) and what is wrong is rejected and counted, not guessed.
 */

/** Coding: unit id → code id, for the units the batch asked for. */
export const CodingAnswer = z.record(z.string(), z.string());
export type CodingAnswer = z.infer<typeof CodingAnswer>;

/**
 * One coding batch as the model writes it (answer-schemas.ts): per unit a short note of what it
 * does and the code, or (a remote model ignoring the schema) the bare code. Read as a CodingAnswer.
 */
export const CodingBatchAnswer = z
  .record(z.string(), z.union([z.string(), z.object({ act: z.string().optional(), code: z.string() })]))
  .transform((r): CodingAnswer => Object.fromEntries(Object.entries(r).map(([id, v]) => [id, typeof v === 'string' ? v : v.code])));

export const ItemAnswer = z.object({
  evidence: z.array(z.string()),
  rationale: z.string(),
  score: z.number(),
  /**
   * Set by the analysis, never by a model (a model's value is dropped): the model's explanation
   * was set aside as not grounded in the cited units, so `rationale` is the factual one from the codes.
   */
  reasonSetAside: z.literal(true).optional(),
});
export type ItemAnswer = z.infer<typeof ItemAnswer>;

/** One rubric section: item id → its score, rationale and cited unit ids. */
export const SectionAnswer = z.record(z.string(), ItemAnswer);
export type SectionAnswer = z.infer<typeof SectionAnswer>;

export const StatementAnswer = z.object({ text: z.string(), evidence: z.array(z.string()) });
export type StatementAnswer = z.infer<typeof StatementAnswer>;

export const NarrativeAnswer = z.object({
  summary: StatementAnswer,
  strengths: z.array(StatementAnswer),
  suggestions: z.array(StatementAnswer),
  /** Set by the analysis, never by a model (repairNarrativeAnswer drops a model's value): suggestions taken out, and why. */
  leftOut: z.array(StatementAnswer.extend({ why: z.string() })).optional(),
});
export type NarrativeAnswer = z.infer<typeof NarrativeAnswer>;

/** A model call's outcome as an activity stores it: the answer, or why it was refused (degenerate twice). */
export type CallOutcome<T> = { ok: true; answer: T } | { ok: false; reason: string };

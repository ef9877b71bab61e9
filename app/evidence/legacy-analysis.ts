// The quote-based analysis of version 1 (model retypes quotes, located afterwards). Kept only while
// the unit-citation pipeline (docs/decisions/011) replaces it; converted to VerifiedAnalysis v2.
import { z } from 'zod';
import { Channel } from '../transcript/transcript';

/** What the model is asked to return (validated with zod through the AI SDK). */
export const ModelEvidence = z.object({
  quote: z.string().describe('Exact words copied from the transcript, 3 to 40 words.'),
  speaker: z.enum(['clinician', 'patient']).describe('Who said the quote.'),
});
export type ModelEvidence = z.infer<typeof ModelEvidence>;

export const ModelItemAssessment = z.object({
  itemId: z.string(),
  score: z.number().int(),
  rationale: z.string(),
  evidence: z.array(ModelEvidence),
});
export type ModelItemAssessment = z.infer<typeof ModelItemAssessment>;

export const ModelAnalysis = z.object({
  items: z.array(ModelItemAssessment),
  summary: z.string(),
  strengths: z.array(z.string()).default([]),
  suggestions: z.array(z.string()).default([]),
});
export type ModelAnalysis = z.infer<typeof ModelAnalysis>;

/** A quote after checking it word for word against the transcript. */
export const VerifiedQuote = z.object({
  quote: z.string(),
  /** The transcript's own words for the located span. */
  matchedText: z.string(),
  channel: Channel,
  start: z.number(),
  end: z.number(),
  similarity: z.number().min(0).max(1),
});
export type VerifiedQuote = z.infer<typeof VerifiedQuote>;

export const RejectedQuote = z.object({
  quote: z.string(),
  reason: z.enum(['not_found', 'wrong_speaker', 'too_short']),
});
export type RejectedQuote = z.infer<typeof RejectedQuote>;

export const VerifiedItem = z.object({
  itemId: z.string(),
  title: z.string(),
  /** Null when the model gave no usable score (out of scale) — shown as "not scored". */
  score: z.number().int().nullable(),
  scaleMin: z.number().int(),
  scaleMax: z.number().int(),
  rationale: z.string(),
  evidence: z.array(VerifiedQuote),
  rejected: z.array(RejectedQuote),
  /** False when no quote survived verification: the report says "unverified", never invents support. */
  verified: z.boolean(),
});
export type VerifiedItem = z.infer<typeof VerifiedItem>;

export const LegacyAnalysis = z.object({
  rubricId: z.string(),
  rubricVersion: z.string(),
  model: z.string(),
  items: z.array(VerifiedItem),
  summary: z.string(),
  strengths: z.array(z.string()),
  suggestions: z.array(z.string()),
  stats: z.object({ quotesCited: z.number().int(), quotesVerified: z.number().int(), quotesRejected: z.number().int() }),
});
export type LegacyAnalysis = z.infer<typeof LegacyAnalysis>;

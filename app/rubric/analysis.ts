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

export const ModelBehaviourInstances = z.object({
  behaviourId: z.string(),
  instances: z.array(ModelEvidence),
});

export const ModelAnalysis = z.object({
  items: z.array(ModelItemAssessment),
  behaviours: z.array(ModelBehaviourInstances).default([]),
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

export const VerifiedBehaviour = z.object({
  behaviourId: z.string(),
  title: z.string(),
  /** Count of verified, de-duplicated instances only. */
  count: z.number().int().nonnegative(),
  instances: z.array(VerifiedQuote),
  rejected: z.array(RejectedQuote),
});
export type VerifiedBehaviour = z.infer<typeof VerifiedBehaviour>;

export const VerifiedAnalysis = z.object({
  rubricId: z.string(),
  rubricVersion: z.string(),
  model: z.string(),
  items: z.array(VerifiedItem),
  behaviours: z.array(VerifiedBehaviour),
  indicators: z.array(z.object({ id: z.string(), title: z.string(), value: z.number().nullable(), target: z.string().optional() })),
  summary: z.string(),
  strengths: z.array(z.string()),
  suggestions: z.array(z.string()),
  stats: z.object({ quotesCited: z.number().int(), quotesVerified: z.number().int(), quotesRejected: z.number().int() }),
});
export type VerifiedAnalysis = z.infer<typeof VerifiedAnalysis>;

import { z } from 'zod';
import type { ModelAnalysis } from '../evidence/legacy-analysis';
import type { RubricSection } from './rubric';

const Speaker = z.enum(['clinician', 'patient']);
const Evidence = z.object({
  quote: z.string().max(160).describe('Exact words copied from the transcript, 3 to 25 words.'),
  speaker: Speaker,
});

/**
 * The structured output asked of the model for one rubric section. Items and behaviours are keyed
 * by id (every key required, in rubric order), scores are the scale's integers as an enum, and
 * every string and list is bounded: a small model under a JSON grammar then always covers each
 * item exactly once and always finishes within its token budget.
 */
export function sectionOutputSchema(section: RubricSection) {
  const items = Object.fromEntries(
    section.items.map((it) => {
      const values = Array.from({ length: it.scale.max - it.scale.min + 1 }, (_, i) => it.scale.min + i);
      return [it.id, z.object({ score: z.literal(values as [number, ...number[]]), rationale: z.string().max(300), evidence: z.array(Evidence).max(2) }).describe(it.title)];
    }),
  );
  return z.object({
    items: z.object(items),
    summary: z.string().max(300),
    strengths: z.array(z.string().max(160)).max(2),
    suggestions: z.array(z.string().max(160)).max(2),
  });
}
export type SectionOutput = z.infer<ReturnType<typeof sectionOutputSchema>>;

/** Back to the rubric-wide shape that evidence verification takes. */
export function sectionOutputToAnalysis(out: SectionOutput): ModelAnalysis {
  return {
    items: Object.entries(out.items).map(([itemId, v]) => ({ itemId, score: v.score, rationale: v.rationale, evidence: v.evidence })),
    summary: out.summary,
    strengths: out.strengths,
    suggestions: out.suggestions,
  };
}

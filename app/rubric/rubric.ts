import { z } from 'zod';

/**
 * A rubric template is data (resources/rubrics/*.json). Two kinds of content:
 * - `items`: scored items (e.g. communication skills), each with its own scale;
 * - `behaviours`: counted behaviours (e.g. MI reflections), each instance backed by a quote.
 */
export const ScaleLabel = z.object({ value: z.number().int(), label: z.string() });

export const RubricItem = z.object({
  id: z.string().regex(/^[a-z0-9_.-]+$/),
  title: z.string(),
  /** What the rater looks for; given to the model verbatim. */
  guidance: z.string(),
  scale: z.object({ min: z.number().int(), max: z.number().int(), labels: z.array(ScaleLabel) }),
  /** Which speaker the item is about: the clinician (channel 0), the patient (channel 1), or both. */
  focus: z.enum(['clinician', 'patient', 'both']).default('clinician'),
});
export type RubricItem = z.infer<typeof RubricItem>;

export const RubricBehaviour = z.object({
  id: z.string().regex(/^[a-z0-9_.-]+$/),
  title: z.string(),
  guidance: z.string(),
  focus: z.enum(['clinician', 'patient', 'both']).default('clinician'),
});
export type RubricBehaviour = z.infer<typeof RubricBehaviour>;

export const RubricSection = z.object({
  id: z.string(),
  title: z.string(),
  items: z.array(RubricItem).default([]),
  behaviours: z.array(RubricBehaviour).default([]),
});
export type RubricSection = z.infer<typeof RubricSection>;

export const Rubric = z.object({
  id: z.string().regex(/^[a-z0-9_-]+$/),
  version: z.string(),
  title: z.string(),
  description: z.string(),
  /** Shown on the report: what the rubric is inspired by, and that the wording is ours. */
  attribution: z.string(),
  sections: z.array(RubricSection).min(1),
  /** Optional derived indicators computed from behaviour counts, e.g. reflection-to-question ratio. */
  summaryIndicators: z
    .array(
      z.object({
        id: z.string(),
        title: z.string(),
        numerator: z.array(z.string()),
        denominator: z.array(z.string()),
        target: z.string().optional(),
        /** 'percent' multiplies the ratio by 100. Default 'ratio'. */
        unit: z.enum(['ratio', 'percent']).optional(),
      }),
    )
    .default([]),
});
export type Rubric = z.infer<typeof Rubric>;

export function rubricItems(r: Rubric): RubricItem[] {
  return r.sections.flatMap((s) => s.items);
}
export function rubricBehaviours(r: Rubric): RubricBehaviour[] {
  return r.sections.flatMap((s) => s.behaviours);
}

import { z } from 'zod';

/**
 * A rubric template is data (resources/rubrics/*.json), version 2:
 * - `sections` of scored `items` (global scores, communication skills), each with its own scale;
 *   the model scores them and cites transcript units for each;
 * - `coding`: a code book. Every clinician unit gets exactly one code (the way validated coding
 *   systems such as MITI work), and `indicators` are computed from the code counts by stated
 *   formulas. Version 1's `behaviours` (quote lists per behaviour) and `summaryIndicators` are gone;
 *   a file that still has them is refused rather than silently read without them.
 */
const Id = z.string().regex(/^[a-z0-9_.-]+$/);

export const ScaleLabel = z.object({ value: z.number().int(), label: z.string() });

export const Focus = z.enum(['clinician', 'patient', 'both']);
export type Focus = z.infer<typeof Focus>;

export const RubricItem = z.strictObject({
  id: Id,
  title: z.string(),
  /** What the rater looks for; given to the model verbatim. */
  guidance: z.string(),
  scale: z.object({ min: z.number().int(), max: z.number().int(), labels: z.array(ScaleLabel) }),
  /** Which speaker the item is about: the clinician (channel 0), the patient (channel 1), or both. Cited units are restricted to that speaker. */
  focus: Focus.default('clinician'),
  /**
   * Behaviour codes that bear on this item (docs/decisions/021): units coded `for` show it, units
   * coded `against` work against it. The scoring prompt lists the clinician's units with these
   * codes, so the model weighs what was counted and cites those units; the model still gives the score.
   */
  codeGuide: z.strictObject({ for: z.array(z.string()).min(1), against: z.array(z.string()).default([]) }).optional(),
});
export type RubricItem = z.infer<typeof RubricItem>;

export const RubricSection = z.strictObject({
  id: Id,
  title: z.string(),
  items: z.array(RubricItem).min(1),
});
export type RubricSection = z.infer<typeof RubricSection>;

export const RubricCode = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  title: z.string(),
  /** Given to the coder verbatim. */
  definition: z.string(),
});
export type RubricCode = z.infer<typeof RubricCode>;

export const IndicatorUnit = z.enum(['ratio', 'percent', 'count']);
export type IndicatorUnit = z.infer<typeof IndicatorUnit>;

export const RubricIndicator = z.strictObject({
  id: Id,
  title: z.string(),
  /** Codes whose counts are summed above the line. */
  numerator: z.array(z.string()).min(1),
  /** Codes whose counts are summed below the line; empty for `count`. */
  denominator: z.array(z.string()),
  /** ratio = numerator ÷ denominator; percent = that × 100; count = numerator alone. */
  unit: IndicatorUnit,
  target: z.string().optional(),
  /** The formula in words, shown in the report next to the value. */
  definition: z.string(),
  /**
   * The target as numbers, for the practice points (app/rubric/practice-points.ts): a value below
   * `atLeast` or above `atMost` is missed. Absent when the target is not a number ("more than non-adherent").
   */
  goal: z.strictObject({ atLeast: z.number().optional(), atMost: z.number().optional() }).refine((g) => g.atLeast !== undefined || g.atMost !== undefined, 'a goal needs atLeast or atMost').optional(),
  /** What to do when the goal is missed, in the rubric author's words (shown with the value and the moments it counts). */
  advice: z.string().optional(),
});
export type RubricIndicator = z.infer<typeof RubricIndicator>;

export const RubricCoding = z.strictObject({
  /** What one coded unit is, in words (shown in the report's method note). */
  unit: z.string(),
  codes: z.array(RubricCode).min(2),
  indicators: z.array(RubricIndicator).default([]),
});
export type RubricCoding = z.infer<typeof RubricCoding>;

export const Rubric = z.strictObject({
  id: z.string().regex(/^[a-z0-9_-]+$/),
  version: z.string(),
  title: z.string(),
  description: z.string(),
  /** Shown on the report: what the rubric is inspired by, and that the wording is ours. */
  attribution: z.string(),
  sections: z.array(RubricSection).min(1),
  /** Optional: a rubric of scored items only has no code book. */
  coding: RubricCoding.optional(),
});
export type Rubric = z.infer<typeof Rubric>;

export function rubricItems(r: Rubric): RubricItem[] {
  return r.sections.flatMap((s) => s.items);
}

export function rubricCodes(r: Rubric): RubricCode[] {
  return r.coding?.codes ?? [];
}

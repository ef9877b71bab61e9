import { z } from 'zod';
import { Focus, IndicatorUnit } from './rubric';
import { TranscriptUnit, UnitId } from '../transcript/units';

/**
 * The result of one rubric analysis (version 2, docs/decisions/011): what the API returns, the
 * database stores and the PDF shows. Every citation is a transcript unit, i.e. the transcript's own
 * words with speaker and time, never text the model typed; ids the model gave that do not exist or
 * belong to the wrong speaker are rejected and counted. Sections whose model output was degenerate
 * are `failed` with a reason and carry no feedback.
 */

/** A cited unit exactly as the transcript has it (copied from `units`, so a reader needs no lookup). */
export const CitedUnit = TranscriptUnit;
export type CitedUnit = z.infer<typeof CitedUnit>;

export const RejectionReason = z.enum([
  /** No unit has this id. */
  'unknown_unit',
  /** The unit belongs to the other speaker than the item's focus (e.g. a patient unit for a clinician item). */
  'wrong_speaker',
]);
export type RejectionReason = z.infer<typeof RejectionReason>;

export const RejectedCitation = z.object({
  /** The id exactly as the model gave it (for the record; never shown as evidence). */
  unitId: z.string(),
  reason: RejectionReason,
});
export type RejectedCitation = z.infer<typeof RejectedCitation>;

/** Who coded the units: the LLM through the gateway, or a trained classifier (fallback). */
export const CoderInfo = z.object({
  kind: z.enum(['llm', 'classifier']),
  /** Model name as the gateway reported it, or classifier name and version. */
  name: z.string(),
});
export type CoderInfo = z.infer<typeof CoderInfo>;

export const CodedUnit = z.object({ unitId: UnitId, code: z.string() });
export type CodedUnit = z.infer<typeof CodedUnit>;

export const CodeCount = z.object({
  codeId: z.string(),
  title: z.string(),
  definition: z.string(),
  count: z.number().int().nonnegative(),
});
export type CodeCount = z.infer<typeof CodeCount>;

export const IndicatorValue = z.object({
  id: z.string(),
  title: z.string(),
  /** The formula in words, from the rubric. */
  definition: z.string(),
  unit: IndicatorUnit,
  target: z.string().optional(),
  numeratorCodes: z.array(z.string()),
  denominatorCodes: z.array(z.string()),
  /** Sum of the numerator codes' counts. */
  numerator: z.number().int().nonnegative(),
  /** Sum of the denominator codes' counts; null for a count. */
  denominator: z.number().int().nonnegative().nullable(),
  /** ratio: n ÷ d; percent: n ÷ d × 100; count: n. Null when the denominator is 0. */
  value: z.number().nullable(),
});
export type IndicatorValue = z.infer<typeof IndicatorValue>;

/** A sentence of feedback and the units it rests on. */
export const CitedStatement = z.object({
  text: z.string(),
  citations: z.array(CitedUnit),
  rejected: z.array(RejectedCitation),
});
export type CitedStatement = z.infer<typeof CitedStatement>;

/**
 * A suggestion from the behaviour counts, not from the model: an indicator that missed the rubric's
 * goal, the rubric's advice for it and up to two moments the count is made of (each with what the
 * patient had just said, when the patient spoke just before).
 */
export const PracticePoint = CitedStatement.extend({
  indicatorId: z.string(),
  title: z.string(),
  value: z.number(),
  target: z.string().nullable(),
});
export type PracticePoint = z.infer<typeof PracticePoint>;

/** A point of the model's that the analysis left out, and why (shown to the reader, never as feedback). */
export const LeftOutStatement = CitedStatement.extend({ why: z.string() });
export type LeftOutStatement = z.infer<typeof LeftOutStatement>;

export const CodingResult = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('coded'),
    coder: CoderInfo,
    /** What one coded unit is (the rubric's wording). */
    unitDefinition: z.string(),
    /** One code per clinician unit, in unit order. */
    codes: z.array(CodedUnit),
    /** Clinician units left without a valid code (a remote model skipped them or answered a code that does not exist). */
    uncoded: z.array(UnitId),
    /** Every code of the rubric, in rubric order, zero counts included. */
    counts: z.array(CodeCount),
    indicators: z.array(IndicatorValue),
    /** Indicators that missed their goal, each with the rubric's advice and the moments it counts (app/rubric/practice-points.ts); absent in analyses made before them. */
    practice: z.array(PracticePoint).optional(),
  }),
  z.object({ status: z.literal('failed'), coder: CoderInfo, reason: z.string() }),
]);
export type CodingResult = z.infer<typeof CodingResult>;

export const ScoredItem = z.object({
  itemId: z.string(),
  title: z.string(),
  focus: Focus,
  score: z.number().int(),
  scaleMin: z.number().int(),
  scaleMax: z.number().int(),
  /** The rubric's label for the score, when it has one. */
  scoreLabel: z.string().nullable(),
  rationale: z.string(),
  /**
   * Where the score came from when the behaviour codes gave it (docs/decisions/023): the rule in
   * words with the counts; `notShown` when no unit was coded for or against the item (then nothing
   * is cited and no model was asked); `reasonSetAside` when the model's explanation did not match
   * the cited units and the rationale is the factual one from the codes (docs/decisions/026).
   * Absent when the model gave the score.
   */
  scoreBasis: z.object({ kind: z.literal('codes'), explanation: z.string(), notShown: z.boolean().optional(), reasonSetAside: z.boolean().optional() }).optional(),
  /** Distinct units in time order; empty only when every id the model gave was rejected. */
  citations: z.array(CitedUnit),
  rejected: z.array(RejectedCitation),
});
export type ScoredItem = z.infer<typeof ScoredItem>;

export const SectionResult = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('scored'),
    sectionId: z.string(),
    title: z.string(),
    items: z.array(ScoredItem),
    /** Model calls it took (2 when the first answer was degenerate and the retry was not). */
    attempts: z.number().int().positive(),
  }),
  z.object({
    status: z.literal('failed'),
    sectionId: z.string(),
    title: z.string(),
    /** The items that are not scored because of it (ids and titles), so the report can list them. */
    items: z.array(z.object({ itemId: z.string(), title: z.string() })),
    /** Shown as "Analysis failed for this section: <reason>". */
    reason: z.string(),
    attempts: z.number().int().positive(),
  }),
]);
export type SectionResult = z.infer<typeof SectionResult>;


export const Narrative = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('written'),
    summary: CitedStatement,
    strengths: z.array(CitedStatement),
    /** Specific to this conversation: each names the moment (unit) it is about. */
    suggestions: z.array(CitedStatement),
    /** The model's suggestions that were not about the moments they cited (app/rubric/grounding.ts). */
    leftOut: z.array(LeftOutStatement).optional(),
    attempts: z.number().int().positive(),
  }),
  z.object({ status: z.literal('failed'), reason: z.string(), attempts: z.number().int().positive() }),
]);
export type Narrative = z.infer<typeof Narrative>;

export const AnalysisStats = z.object({
  /** Unit ids the model cited (items and narrative), accepted and rejected. */
  citations: z.object({
    cited: z.number().int().nonnegative(),
    accepted: z.number().int().nonnegative(),
    unknownUnit: z.number().int().nonnegative(),
    wrongSpeaker: z.number().int().nonnegative(),
  }),
  /** Coding answers that were not a unit asked for or not a code of the rubric (remote models). */
  codingRejected: z.number().int().nonnegative(),
  /** Model calls: all of them, and how many were retries after degenerate output. */
  calls: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
});
export type AnalysisStats = z.infer<typeof AnalysisStats>;

export const VerifiedAnalysis = z.object({
  schemaVersion: z.literal(2),
  rubricId: z.string(),
  rubricVersion: z.string(),
  /** The LLM that scored the items and wrote the narrative (as the gateway reported it). */
  model: z.string(),
  /** The whole transcript as the model read it: every id cited anywhere refers to one of these. */
  units: z.array(TranscriptUnit),
  /** Null when the rubric has no code book. */
  coding: CodingResult.nullable(),
  /** In rubric order. */
  sections: z.array(SectionResult),
  narrative: Narrative,
  stats: AnalysisStats,
});
export type VerifiedAnalysis = z.infer<typeof VerifiedAnalysis>;

/** Every scored item of every section that did not fail, in rubric order. */
export function scoredItems(a: VerifiedAnalysis): ScoredItem[] {
  return a.sections.flatMap((s) => (s.status === 'scored' ? s.items : []));
}

/** The code of a clinician unit, or null (patient unit, uncoded, or no coding). */
export function codeOfUnit(a: VerifiedAnalysis, unitId: string): string | null {
  if (a.coding?.status !== 'coded') return null;
  return a.coding.codes.find((c) => c.unitId === unitId)?.code ?? null;
}

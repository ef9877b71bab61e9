import type { TranscriptUnit } from '../transcript/units';
import { unitsForFocus } from './citations';
import type { RubricCoding, RubricItem, RubricSection } from './rubric';

/**
 * The JSON schemas sent to the model with each call (response_format json_schema). They constrain
 * by construction what a local model under a grammar can write: a coding batch has exactly the
 * batch's clinician unit ids as keys and the code book's ids as values; an item's evidence is an
 * enum of the unit ids its focus allows (clinician items: clinician units only); a score is one of
 * the scale's integers. Properties are listed in the order the model should think: evidence, then
 * rationale, then score (the local grammar generates them in schema order).
 *
 * A remote model may ignore the schema, so the answer is parsed leniently (model-output.ts) and
 * checked again by assembleAnalysis; what breaks the schema is rejected and counted there.
 */
export type JsonSchema = { [key: string]: unknown };

/** The most units one citation list may name (items and narrative statements). */
export const MAX_EVIDENCE = 3;
/** Longest rationale or narrative sentence, in characters; stops a runaway repetition early. */
export const MAX_RATIONALE_CHARS = 360;
export const MAX_STATEMENT_CHARS = 320;
/**
 * A code-scored item's reason explains units already chosen (about 30 words): shorter, so the
 * grammar closes the string well inside the call's token budget instead of the answer being cut.
 */
export const MAX_GUIDED_RATIONALE_CHARS = 220;
export const MAX_NARRATIVE_POINTS = 3;

/** Name of the schema in response_format.json_schema.name: tells a reader (and the test provider) what a call is. */
export const SCHEMA_NAME = {
  coding: 'unit_codes',
  section: (sectionId: string) => `section_${sectionId.replace(/[^a-zA-Z0-9_-]/g, '_')}`,
  narrative: 'narrative',
} as const;

function strictObject(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

function evidence(ids: readonly string[]): JsonSchema {
  return { type: 'array', items: { type: 'string', enum: [...ids] }, minItems: 1, maxItems: MAX_EVIDENCE };
}

/** Longest note of what a clinician unit does, written before its code. */
export const MAX_ACT_CHARS = 80;

/**
 * One batch of utterance coding: `{ "u3": { "act": "…", "code": "<code id>" }, … }` for exactly
 * these clinician units. The short note of what the unit does comes first: under a grammar that
 * forces the code right after the key, the 1.5B model gave every unit the first code of the list
 * (17 of 17 open_question in the first benchmark run); writing what the clinician does first gives
 * it the unit's words to decide on. Only the code is kept.
 */
export function codingBatchSchema(book: RubricCoding, batch: readonly TranscriptUnit[]): JsonSchema {
  const clinician = batch.filter((u) => u.channel === 0);
  if (clinician.length === 0) throw new Error('a coding batch needs at least one clinician unit');
  const codes = book.codes.map((c) => c.id);
  const value = strictObject({ act: { type: 'string', minLength: 1, maxLength: MAX_ACT_CHARS }, code: { type: 'string', enum: codes } });
  return strictObject(Object.fromEntries(clinician.map((u) => [u.id, value])));
}

/** The unit ids a citation for this item may name. */
export function allowedUnitIds(item: Pick<RubricItem, 'focus'>, units: readonly TranscriptUnit[]): string[] {
  return unitsForFocus(units, item.focus).map((u) => u.id);
}

/** What the behaviour codes fix for a guided item (docs/decisions/023): its score, and the units on either side of its guide. */
export interface FixedItem {
  score: number;
  /** The units coded for or against the item; when there are some, the only units the item may cite. */
  unitIds: readonly string[];
}

function itemSchema(item: RubricItem, units: readonly TranscriptUnit[], fixed?: FixedItem): JsonSchema {
  const allowed = allowedUnitIds(item, units);
  // A code-scored item cites the units the score rests on, so its evidence is the coding's evidence.
  const guided = fixed ? fixed.unitIds.filter((id) => allowed.includes(id)) : [];
  const ids = guided.length > 0 ? guided : allowed;
  const fixedScore = fixed?.score;
  // A transcript with no unit of the item's speaker cannot back any score of it; the caller fails the section instead.
  if (ids.length === 0) throw new Error(`no transcript unit of the ${item.focus} for item ${item.id}`);
  // A score the behaviour codes gave (docs/decisions/023) is the only value the model may answer.
  const scores = fixedScore !== undefined ? [fixedScore] : Array.from({ length: item.scale.max - item.scale.min + 1 }, (_, k) => item.scale.min + k);
  return strictObject({
    evidence: evidence(ids),
    rationale: { type: 'string', minLength: 1, maxLength: fixedScore !== undefined ? MAX_GUIDED_RATIONALE_CHARS : MAX_RATIONALE_CHARS },
    score: { type: 'integer', enum: scores },
  });
}

/** One rubric section: `{ "<item id>": { evidence: [unit ids], rationale, score }, … }` in rubric order. */
export function sectionSchema(section: RubricSection, units: readonly TranscriptUnit[], fixed: Readonly<Record<string, FixedItem>> = {}): JsonSchema {
  return strictObject(Object.fromEntries(section.items.map((item) => [item.id, itemSchema(item, units, fixed[item.id])])));
}

function statement(ids: readonly string[]): JsonSchema {
  return strictObject({ text: { type: 'string', minLength: 1, maxLength: MAX_STATEMENT_CHARS }, evidence: evidence(ids) });
}

/**
 * Summary, strengths and suggestions, each a sentence with the units it rests on: each from its
 * pool when it has some, else any unit; strengths and suggestions the units of their pool when it has some (narrativeUnitPools:
 * the clinician units whose codes show good practice, and the others), else any unit.
 */
export function narrativeSchema(units: readonly TranscriptUnit[], pools: { summary?: readonly string[]; strengths?: readonly string[]; suggestions?: readonly string[] } = {}): JsonSchema {
  if (units.length === 0) throw new Error('a narrative needs a transcript with at least one unit');
  const ids = units.map((u) => u.id);
  const from = (pool: readonly string[] | undefined) => {
    const known = (pool ?? []).filter((id) => ids.includes(id));
    return known.length > 0 ? known : ids;
  };
  const points = (pool: readonly string[] | undefined): JsonSchema => ({ type: 'array', items: statement(from(pool)), minItems: 1, maxItems: MAX_NARRATIVE_POINTS });
  return strictObject({ summary: statement(from(pools.summary)), strengths: points(pools.strengths), suggestions: points(pools.suggestions) });
}

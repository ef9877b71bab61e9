import { randomUUID } from 'node:crypto';
import { codingBatchSchema, narrativeSchema, sectionSchema, allowedUnitIds, SCHEMA_NAME } from '../../../app/rubric/answer-schemas';
import { repairNarrativeAnswer, repairSectionAnswer } from '../../../app/rubric/answer-repair';
import { checkNarrativeAnswer, checkSectionAnswer } from '../../../app/rubric/degenerate-output';
import { checkSectionGrounding, dropUngroundedStrengths, dropUngroundedSuggestions, groundingContext, type GroundingContext } from '../../../app/rubric/grounding';
import { CodingBatchAnswer, NarrativeAnswer, SectionAnswer, type CodingAnswer } from '../../../app/rubric/model-output';
import type { CodeCount } from '../../../app/rubric/analysis';
import { codeOnlyRationale, codeScore, isNotShown, narrativeUnitPools, notShownRationale, unitsToCite } from '../../../app/rubric/code-score';
import type { Rubric, RubricCoding, RubricSection } from '../../../app/rubric/rubric';
import { codingPrompt, narrativePrompt, sectionPrompt, type NarrativeContext } from '../../../app/rubric/unit-prompt';
import type { TranscriptUnit } from '../../../app/transcript/units';
import { checkedCall } from './checked-call';
import { addUsage, NO_USAGE, type CallRecord, type LlmEndpoint, type StepResult } from './llm-endpoint';

/** Clinician units per coding call: enough to keep calls few, few enough that a small model stays on task. */
export const DEFAULT_CODING_BATCH = 12;

interface StepCommon {
  llm: LlmEndpoint;
  units: readonly TranscriptUnit[];
  /** The rubric's code book: part of every prompt's shared prefix when the rubric has one. */
  book?: RubricCoding | undefined;
  /** Prefix of the Idempotency-Keys of this step's calls (one evaluation, one step). */
  idempotencyKey?: string | undefined;
  onCall?: ((c: CallRecord) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** The clinician units in batches of `size`, in transcript order. */
export function codingBatches(units: readonly TranscriptUnit[], size = DEFAULT_CODING_BATCH): TranscriptUnit[][] {
  const clinician = units.filter((u) => u.channel === 0);
  const n = Math.max(1, Math.ceil(clinician.length / Math.max(1, size)));
  // Even batches (13+13 rather than 24+2), so no call is left with a stray unit or two.
  const per = Math.ceil(clinician.length / n);
  return Array.from({ length: n }, (_, k) => clinician.slice(k * per, (k + 1) * per)).filter((b) => b.length > 0);
}

/** Every clinician unit coded by the LLM, batch by batch; one batch failing twice fails the coding (partial counts would mislead). */
export async function codeUnitsWithLlm(opts: StepCommon & { book: RubricCoding; batchSize?: number | undefined; onProgress?: ((fraction: number) => void) | undefined }): Promise<StepResult<CodingAnswer>> {
  const batches = codingBatches(opts.units, opts.batchSize);
  const key = opts.idempotencyKey ?? randomUUID();
  const answer: CodingAnswer = {};
  let usage = NO_USAGE;
  let attempts = 0;
  let model = opts.llm.model;
  for (const [k, batch] of batches.entries()) {
    const prompt = codingPrompt({ units: opts.units, book: opts.book }, batch);
    const r = await checkedCall({
      llm: opts.llm,
      prompt,
      sentSchema: codingBatchSchema(opts.book, batch),
      schemaName: SCHEMA_NAME.coding,
      parse: CodingBatchAnswer,
      check: () => null,
      idempotencyKey: `${key}:coding:${k + 1}`,
      maxOutputTokens: 32 + 48 * batch.length,
      step: `coding ${k + 1}/${batches.length}`,
      onCall: opts.onCall,
      signal: opts.signal,
    });
    usage = addUsage(usage, r.usage);
    attempts += r.attempts;
    model = r.model;
    if (!r.outcome.ok) return { outcome: { ok: false, reason: `coding of units ${batch[0]!.id}–${batch[batch.length - 1]!.id} failed: ${r.outcome.reason}` }, attempts, usage, model };
    Object.assign(answer, r.outcome.answer);
    opts.onProgress?.((k + 1) / batches.length);
  }
  return { outcome: { ok: true, answer }, attempts, usage, model };
}

/**
 * One rubric section scored with cited units, one model call per item (docs/decisions/019): asked
 * for a whole section at once, the embedded 1.5B model gave its items the same evidence and the
 * same sentences. Every call shares the evaluation's prompt prefix, so the transcript is not read
 * again. An item that fails twice fails its section (the report shows the reason); the items'
 * answers together are checked once more for rationales that say the same thing.
 */
export async function scoreSection(opts: StepCommon & { rubric: Rubric; section: RubricSection; counts?: readonly CodeCount[] | undefined; unitCodes?: Readonly<Record<string, string>> | undefined; onProgress?: ((fraction: number) => void) | undefined }): Promise<StepResult<SectionAnswer>> {
  const lacking = opts.section.items.filter((i) => allowedUnitIds(i, opts.units).length === 0);
  if (lacking.length > 0) {
    const who = [...new Set(lacking.map((i) => i.focus))].join(' or ');
    return { outcome: { ok: false, reason: `the transcript has nothing said by the ${who} to cite for ${lacking.map((i) => `"${i.title}"`).join(', ')}` }, attempts: 1, usage: NO_USAGE, model: opts.llm.model };
  }
  const key = opts.idempotencyKey ?? randomUUID();
  const answer: SectionAnswer = {};
  const words = new Map(opts.units.map((u) => [u.id, u.text.split(/\s+/).length]));
  const quotable = opts.units.map((u) => u.text);
  const grounding: GroundingContext = { unitText: new Map(opts.units.map((u) => [u.id, u.text])), unitCodes: opts.unitCodes, codes: opts.book?.codes ?? [] };
  const codeOnly = new Set<string>();
  const cited = new Set<string>();
  let usage = NO_USAGE;
  let attempts = 1;
  let model = opts.llm.model;
  for (const [k, item] of opts.section.items.entries()) {
    const one: RubricSection = { ...opts.section, items: [item] };
    // Nothing coded for or against a guided item: there is no unit to cite and nothing to ask.
    const fromCodes = codeScore(item, opts.unitCodes);
    if (fromCodes && isNotShown(fromCodes)) {
      answer[item.id] = { evidence: [], rationale: notShownRationale(item), score: fromCodes.score };
      opts.onProgress?.((k + 1) / opts.section.items.length);
      continue;
    }
    // A guided item cites the units its code score rests on, chosen here; the model explains them.
    const cite = fromCodes && opts.unitCodes ? unitsToCite(item, fromCodes, opts.unitCodes, (id) => words.get(id) ?? 0, cited) : [];
    const fixed = fromCodes ? { [item.id]: { score: fromCodes.score, unitIds: cite.length ? cite : [...fromCodes.showing, ...fromCodes.against] } } : {};
    const r = await checkedCall({
      llm: opts.llm,
      prompt: sectionPrompt({ units: opts.units, book: opts.book }, opts.rubric.title, one, { counts: opts.counts, unitCodes: opts.unitCodes, cited: { [item.id]: cite } }),
      sentSchema: sectionSchema(one, opts.units, fixed),
      schemaName: SCHEMA_NAME.section(opts.section.id),
      parse: SectionAnswer,
      repair: repairSectionAnswer,
      // Grounding is checked where the codes give a fallback (score and units stand without the model's words).
      check: (a, ctx) => checkSectionAnswer(a, one, { ...ctx, quotable }) ?? (cite.length > 0 ? checkSectionGrounding(a, one.items, grounding) : null),
      idempotencyKey: `${key}:section:${opts.section.id}:${item.id}`,
      maxOutputTokens: cite.length ? 160 : 220,
      step: `section ${opts.section.id} ${item.id}`,
      onCall: opts.onCall,
      signal: opts.signal,
    });
    usage = addUsage(usage, r.usage);
    attempts = Math.max(attempts, r.attempts);
    model = r.model;
    if (!r.outcome.ok && fromCodes && cite.length > 0) {
      // The score and the units come from the codes; only the explanation in words is missing.
      answer[item.id] = { evidence: cite, rationale: codeOnlyRationale(r.outcome.reason, fromCodes, opts.unitCodes), score: fromCodes.score, reasonSetAside: true };
      codeOnly.add(item.id);
      for (const id of cite) cited.add(id);
      opts.onProgress?.((k + 1) / opts.section.items.length);
      continue;
    }
    if (!r.outcome.ok) return { outcome: { ok: false, reason: `for "${item.title}": ${r.outcome.reason}` }, attempts, usage, model };
    const given = r.outcome.answer[item.id];
    // Only the analysis marks an explanation as set aside; a remote model's own value is dropped.
    const got = given ? { evidence: given.evidence, rationale: given.rationale, score: given.score } : undefined;
    if (got && cite.length > 0) {
      // The chosen units are the evidence. Ids outside the schema that name no unit of the item's
      // speaker (a remote model may ignore the schema) are kept so that they are rejected and counted.
      const valid = new Set(allowedUnitIds(item, opts.units));
      answer[item.id] = { ...got, evidence: [...cite, ...got.evidence.filter((id) => !valid.has(id.trim()))] };
    } else if (got) answer[item.id] = got;
    for (const id of answer[item.id]?.evidence ?? []) cited.add(id);
    opts.onProgress?.((k + 1) / opts.section.items.length);
  }
  // Only explanations the model wrote are compared with each other (code-only reasons are alike by design).
  const asked = { ...opts.section, items: opts.section.items.filter((i) => answer[i.id]?.evidence.length && !codeOnly.has(i.id)) };
  const same = asked.items.length > 0 ? checkSectionAnswer(answer, asked) : null;
  if (same) return { outcome: { ok: false, reason: same.reason }, attempts, usage, model };
  return { outcome: { ok: true, answer }, attempts, usage, model };
}

/** Summary, strengths and suggestions, each citing units; may be given the codes and item scores. */
export async function writeNarrative(opts: StepCommon & { rubric: Rubric } & NarrativeContext): Promise<StepResult<NarrativeAnswer>> {
  if (opts.units.length === 0) return { outcome: { ok: false, reason: 'the transcript is empty' }, attempts: 1, usage: NO_USAGE, model: opts.llm.model };
  const grounding = groundingContext(opts.units, opts.unitCodes, opts.book?.codes ?? []);
  const prompt = narrativePrompt({ units: opts.units, book: opts.book }, opts.rubric.title, { counts: opts.counts, scores: opts.scores, participants: opts.participants });
  return checkedCall({
    llm: opts.llm,
    prompt,
    sentSchema: narrativeSchema(opts.units, narrativeUnitPools(opts.rubric, opts.unitCodes, opts.units.map((u) => u.id), (id) => opts.units.find((u) => u.id === id)?.text.split(/\s+/).filter(Boolean).length ?? 0)),
    schemaName: SCHEMA_NAME.narrative,
    parse: NarrativeAnswer,
    repair: (answer, ctx) => dropUngroundedSuggestions(dropUngroundedStrengths(repairNarrativeAnswer(answer, ctx), grounding).answer, grounding),
    check: (answer, ctx) => checkNarrativeAnswer(answer, { ...ctx, quotable: opts.units.map((u) => u.text), names: opts.participants ? [opts.participants.clinician, opts.participants.patient] : [] }),
    idempotencyKey: `${opts.idempotencyKey ?? randomUUID()}:narrative`,
    maxOutputTokens: 700,
    step: 'narrative',
    onCall: opts.onCall,
    signal: opts.signal,
  });
}

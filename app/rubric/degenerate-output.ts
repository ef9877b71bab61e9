import type { NarrativeAnswer, SectionAnswer } from './model-output';
import type { RubricSection } from './rubric';

/**
 * Finds model answers that must not reach a report as feedback (docs/decisions/011): repetition
 * loops, placeholder or instruction text copied into the answer, empty or identical rationales,
 * repeated strengths or suggestions, and a whole rubric scored the same with the same reasons.
 *
 * What is legitimately possible is left alone: two items of a section with the same score, a
 * whole rubric at 1 for a poor consultation (with reasons of its own per item), a rationale
 * that uses a term of the guidance, the same unit cited for two items.
 */
export type DegenerateKind = 'empty' | 'placeholder' | 'repetition' | 'copied_instructions' | 'identical_rationales' | 'duplicate_points' | 'uniform_scores' | 'invented_quote' | 'not_grounded' | 'unsupported_code';

export interface Degenerate {
  kind: DegenerateKind;
  /** Shown to the reader after "Analysis failed …: ", so plain words and a short excerpt. */
  reason: string;
  /** Retrying with other sampling will not help and a fallback exists: the caller stops at once. */
  final?: boolean;
}

export interface DetectorContext {
  /** The instruction text the model was given (system message and task, without the transcript). */
  instructions?: string;
  /** What the speakers said (the transcript units' texts): a quoted phrase must be found in one of them. */
  quotable?: readonly string[];
  /**
   * The participants' names. The gateway restores a redacted name to the full name as registered,
   * so a model quoting "Good morning [PERSON_1]" reaches us as "Good morning Daniel Reyes" where
   * "Good morning Daniel" was said: in quotes, any part of a participant's name matches any other.
   */
  names?: readonly string[];
}

/** Text a model copies from a shown answer shape instead of writing one ("one sentence", "two sentences", "one strength"). */
export const PLACEHOLDER_TEXT = /\b(?:one|two|three|a few|short|exact)\s+(?:sentences?|strengths?|suggestions?|words?|phrases?|rationales?|summary)\b/i;
/** Answers that are just a field name or type of the schema. */
const SCHEMA_WORDS = new Set(['text', 'string', 'rationale', 'evidence', 'summary', 'strength', 'strengths', 'suggestion', 'suggestions', 'score', 'null', 'none', 'n/a', 'tbd', 'todo']);
const MIN_WORDS = 3;
/** This many consecutive words shared with the instructions is a copy, not a paraphrase. */
export const COPY_RUN = 8;

export const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}_'’-]+/gu) ?? [];
const excerpt = (text: string, max = 60) => {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** One piece of free text (a rationale, a summary, a strength, a suggestion). */
export function checkText(text: string, what: string, ctx: DetectorContext = {}): Degenerate | null {
  const w = words(text);
  const placeholder = PLACEHOLDER_TEXT.exec(text);
  if (placeholder) return { kind: 'placeholder', reason: `the ${what} copied placeholder text ("${placeholder[0]}") instead of describing the conversation` };
  if (w.length < MIN_WORDS || SCHEMA_WORDS.has(w.join(' '))) return { kind: 'empty', reason: `the ${what} was empty or a single word ("${excerpt(text)}")` };
  const loop = repetitionLoop(w);
  if (loop) return { kind: 'repetition', reason: `the ${what} repeats itself ("${excerpt(loop)}")` };
  if (ctx.instructions) {
    const copied = sharedRun(w, words(ctx.instructions), COPY_RUN);
    if (copied) return { kind: 'copied_instructions', reason: `the ${what} copied the instructions ("${excerpt(copied)}")` };
  }
  if (ctx.quotable) {
    const invented = inventedQuote(text, ctx.quotable, ctx.names);
    if (invented) return { kind: 'invented_quote', reason: `the ${what} quoted words nobody said in the transcript ("${excerpt(invented)}")` };
  }
  return null;
}

/**
 * A quoted phrase (in straight or curly quotes, two words or more) that occurs in no unit's text,
 * compared by words so that case and punctuation do not matter; null when every quote is found.
 * An apostrophe inside a word ("patient's") does not open a quote.
 */
export function inventedQuote(text: string, quotable: readonly string[], names: readonly string[] = []): string | null {
  const nameParts = new Set(names.flatMap((n) => words(n)));
  const said = quotable.map((t) => ` ${maskNames(words(t), nameParts).join(' ')} `);
  const quote = /(?<![\p{L}\p{N}])["“‘']([^"“”‘’]+?)["”’'](?![\p{L}\p{N}])/gu;
  for (const m of text.matchAll(quote)) {
    const w = words(m[1]!);
    if (w.length < 2) continue;
    const phrase = ` ${maskNames(w, nameParts).join(' ')} `;
    if (!said.some((s) => s.includes(phrase))) return m[1]!;
  }
  return null;
}

/** Words with each run of name parts ("daniel", "daniel reyes") replaced by one name token. */
function maskNames(w: readonly string[], nameParts: ReadonlySet<string>): string[] {
  if (nameParts.size === 0) return [...w];
  const out: string[] = [];
  for (const word of w) {
    if (!nameParts.has(word)) out.push(word);
    else if (out.at(-1) !== '\u0000name') out.push('\u0000name');
  }
  return out;
}

/**
 * A phrase repeated back to back three times ("very very very", "I'm a partner I'm a partner …"),
 * a 4-word phrase that comes back three times anywhere, or a long text made of very few distinct
 * words.
 */
export function repetitionLoop(w: readonly string[]): string | null {
  for (let n = 1; n <= 8; n++) {
    for (let i = 0; i + 3 * n <= w.length; i++) {
      const a = w.slice(i, i + n).join(' ');
      if (a === w.slice(i + n, i + 2 * n).join(' ') && a === w.slice(i + 2 * n, i + 3 * n).join(' ')) return w.slice(i, i + 3 * n).join(' ');
    }
  }
  const seen = new Map<string, number>();
  for (let i = 0; i + 4 <= w.length; i++) {
    const g = w.slice(i, i + 4).join(' ');
    const k = (seen.get(g) ?? 0) + 1;
    seen.set(g, k);
    if (k >= 3) return g;
  }
  if (w.length >= 12 && new Set(w).size / w.length < 0.4) return w.slice(0, 8).join(' ');
  return null;
}

/** The first run of `n` consecutive words of `w` that also occurs in `source`, or null. */
export function sharedRun(w: readonly string[], source: readonly string[], n: number): string | null {
  if (w.length < n || source.length < n) return null;
  const grams = new Set<string>();
  for (let i = 0; i + n <= source.length; i++) grams.add(source.slice(i, i + n).join(' '));
  for (let i = 0; i + n <= w.length; i++) {
    const g = w.slice(i, i + n).join(' ');
    if (grams.has(g)) return g;
  }
  return null;
}

/** Two texts that say the same thing: equal after normalising, or sharing almost all their words. */
export function nearDuplicate(a: string, b: string): boolean {
  const wa = words(a);
  const wb = words(b);
  if (wa.join(' ') === wb.join(' ')) return true;
  const sa = new Set(wa);
  const sb = new Set(wb);
  const inter = [...sa].filter((x) => sb.has(x)).length;
  const union = new Set([...sa, ...sb]).size;
  return union > 0 && inter / union >= 0.85;
}

/** One rubric section's answer. */
export function checkSectionAnswer(answer: SectionAnswer, section: RubricSection, ctx: DetectorContext = {}): Degenerate | null {
  const items = section.items.filter((i) => answer[i.id]);
  for (const item of items) {
    const bad = checkText(answer[item.id]!.rationale, `rationale for "${item.title}"`, ctx);
    if (bad) return bad;
  }
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (nearDuplicate(answer[items[i]!.id]!.rationale, answer[items[j]!.id]!.rationale)) {
        return { kind: 'identical_rationales', reason: `the same rationale was given for "${items[i]!.title}" and "${items[j]!.title}"` };
      }
    }
  }
  return null;
}

/**
 * Across the whole rubric (at least three items): every item the same score is legitimate on its
 * own (a very good or very poor consultation), so it is flagged only together with a sign that the
 * items were not looked at one by one: every item citing the same units, or the rationales all
 * alike.
 */
export function checkRubricScores(sections: readonly { section: RubricSection; answer: SectionAnswer }[]): Degenerate | null {
  const all = sections.flatMap(({ section, answer }) => section.items.filter((i) => answer[i.id]).map((i) => ({ title: i.title, a: answer[i.id]! })));
  if (all.length < 3) return null;
  const score = all[0]!.a.score;
  if (!all.every((x) => x.a.score === score)) return null;
  const key = (ids: readonly string[]) => [...new Set(ids.map((s) => s.trim()))].sort().join(',');
  const sameEvidence = all.every((x) => key(x.a.evidence) === key(all[0]!.a.evidence));
  const alike = all.every((x) => nearDuplicate(x.a.rationale, all[0]!.a.rationale));
  if (!sameEvidence && !alike) return null;
  return { kind: 'uniform_scores', reason: `every item was scored ${score} ${sameEvidence ? 'citing the same units' : 'with the same rationale'}, so the items were not rated one by one` };
}

/**
 * Repeated points are removed before the narrative is checked, so one repetition does not cost the
 * reader every other point: within strengths (or suggestions) the first of two near-duplicates is
 * kept (near-duplicate text, or exactly the same cited units); a point given both as a strength and
 * as a suggestion contradicts itself, so both go. Junk
 * is not repaired here: placeholder, copied or looping text still fails the narrative. A list left
 * empty fails it too (checkNarrativeAnswer), because the reader would get no points at all.
 */
export function dropRepeatedPoints(answer: NarrativeAnswer): { answer: NarrativeAnswer; dropped: number } {
  // Two points resting on exactly the same units say the same about the same moments (seen: "used
  // complex reflections …" and "used simple reflections …", both citing u23 and u26).
  const units = (p: { evidence?: readonly string[] }) => [...new Set(p.evidence ?? [])].sort().join(',');
  const repeats = <P extends { text: string; evidence?: readonly string[] }>(p: P, q: P) => nearDuplicate(p.text, q.text) || (units(p) !== '' && units(p) === units(q));
  const keepFirst = <P extends { text: string; evidence?: readonly string[] }>(list: readonly P[]) => list.filter((p, i) => !list.slice(0, i).some((q) => repeats(p, q)));
  const strengths = keepFirst(answer.strengths);
  const suggestions = keepFirst(answer.suggestions);
  const both = (p: { text: string }, other: readonly { text: string }[]) => other.some((q) => nearDuplicate(p.text, q.text));
  const out = { ...answer, strengths: strengths.filter((p) => !both(p, suggestions)), suggestions: suggestions.filter((p) => !both(p, strengths)) };
  return { answer: out, dropped: answer.strengths.length + answer.suggestions.length - out.strengths.length - out.suggestions.length };
}

/** Summary, strengths and suggestions. */
export function checkNarrativeAnswer(answer: NarrativeAnswer, ctx: DetectorContext = {}): Degenerate | null {
  const bad = checkText(answer.summary.text, 'summary', ctx);
  if (bad) return bad;
  // No suggestion left is fine when they were taken out for not being about their moments (the reader is told, and the behaviour counts' suggestions remain).
  if (answer.strengths.length === 0 || (answer.suggestions.length === 0 && !answer.leftOut?.length)) {
    return { kind: 'empty', reason: `the answer has no ${answer.strengths.length === 0 ? 'strengths' : 'suggestions'} left that are not repeated` };
  }
  const points = [...answer.strengths.map((s) => ({ what: 'strength', text: s.text })), ...answer.suggestions.map((s) => ({ what: 'suggestion', text: s.text }))];
  // A suggestion may quote what the clinician could have said instead, which nobody said.
  const { quotable: _quotable, ...unquoted } = ctx;
  for (const p of points) {
    const b = checkText(p.text, p.what, p.what === 'suggestion' ? unquoted : ctx);
    if (b) return b;
  }
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      if (nearDuplicate(points[i]!.text, points[j]!.text)) {
        const same = points[i]!.what === points[j]!.what;
        return { kind: 'duplicate_points', reason: same ? `the same ${points[i]!.what} was given twice ("${excerpt(points[i]!.text)}")` : `a strength was repeated as a suggestion ("${excerpt(points[i]!.text)}")` };
      }
    }
  }
  return null;
}

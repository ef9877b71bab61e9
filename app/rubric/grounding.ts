import { words, type Degenerate } from './degenerate-output';
import type { NarrativeAnswer, SectionAnswer } from './model-output';
import type { RubricCode, RubricItem } from './rubric';

/**
 * Whether a piece of feedback is about the units it cites (docs/decisions/026). Two failures seen
 * in the embedded model's answers that the copy and quote checks let through:
 *
 * - a reason that only restates the rubric in other words ("consistently lets arguments for
 *   keeping things as they are pass without amplifying them"), true of any conversation: no word
 *   of it comes from what was said in the cited units;
 * - a point that names a behaviour the cited units do not show ("used complex reflections" citing
 *   a question).
 *
 * Words are compared by a crude stem (suffixes cut, first six letters) so that "smoking" meets
 * "smoke" and "breathless" meets "breathing". Words of the instructions (the rubric's guidance,
 * scale and task) and words that fit any conversation ("patient", "clinician", "asked") do not
 * count as grounding.
 */

/** Words that fit every consultation, so sharing them with a unit shows nothing about it. */
const GENERIC = new Set(
  [
    'about', 'after', 'again', 'also', 'asked', 'asking', 'because', 'been', 'being', 'both', 'clinician', 'conversation', 'could', 'doctor', 'does', 'doing', 'done', 'each', 'even', 'from', 'good', 'have', 'having', 'here', 'into', 'just', 'know', 'like', 'made', 'make', 'making', 'many', 'more', 'most', 'much', 'nurse', 'only', 'other', 'over', 'patient', "patient's", 'really', 'said', 'saying', 'says', 'session', 'shows', 'some', 'such', 'tell', 'than', 'that', "that's", 'their', 'them', 'then', 'there', 'these', 'they', 'thing', 'things', 'think', 'this', 'those', 'through', 'unit', 'units', 'very', 'want', 'well', 'were', 'what', 'when', 'where', 'which', 'while', 'will', 'with', 'would', 'your', 'yeah', 'okay',
  ].map((w) => stem(w)),
);

/** A crude stem: possessive and common suffixes cut, at most six letters kept. */
export function stem(word: string): string {
  const w = word.toLowerCase().replace(/['’]s$/, '').replace(/(?:ingly|edly|ing|ied|ies|ed|es|ly|s|e)$/, '');
  return w.slice(0, 6);
}

function stems(text: string): string[] {
  return words(text).filter((w) => w.length >= 4 && !/^\d/.test(w)).map(stem);
}

/** The content stems of `text` that also occur in one of `said`, leaving out generic words and words of `instructions`. */
export function sharedContent(text: string, said: readonly string[], instructions = ''): string[] {
  const skip = new Set([...GENERIC, ...stems(instructions)]);
  const spoken = new Set(said.flatMap(stems));
  return [...new Set(stems(text).filter((s) => !skip.has(s) && spoken.has(s)))];
}

/** The codes whose title a text names ("complex reflections" names Complex reflection), compared by stems. */
export function namedCodes(text: string, codes: readonly RubricCode[]): RubricCode[] {
  const t = ` ${words(text).map(stem).join(' ')} `;
  return codes.filter((c) => c.id !== 'other' && t.includes(` ${words(c.title).map(stem).join(' ')} `));
}

/**
 * The codes a text names when none of them is the code of any unit it cites (a code counts when its
 * title contains the named one, so "persuade" is met by Persuade with permission); null when the
 * text names no code or one of them is shown. Naming a code and its opposite ("open rather than
 * closed questions") is fine as long as one of them is cited.
 */
export function unsupportedCodes(text: string, evidence: readonly string[], unitCodes: Readonly<Record<string, string>>, codes: readonly RubricCode[]): RubricCode[] | null {
  const named = namedCodes(text, codes);
  if (named.length === 0) return null;
  const byId = new Map(codes.map((c) => [c.id, c]));
  const citedTitles = evidence.flatMap((id) => {
    const c = byId.get(unitCodes[id.trim()] ?? '');
    return c ? [` ${words(c.title).map(stem).join(' ')} `] : [];
  });
  const shown = named.some((n) => citedTitles.some((t) => t.includes(` ${words(n.title).map(stem).join(' ')} `)));
  return shown ? null : named;
}

/** What the checks know of one evaluation: the units' words and, when the coding ran, their codes. */
export interface GroundingContext {
  unitText: ReadonlyMap<string, string>;
  unitCodes?: Readonly<Record<string, string>> | undefined;
  codes: readonly RubricCode[];
  /** The text of the unit said just before each unit (what a suggestion about that moment may answer to). */
  before?: ReadonlyMap<string, string> | undefined;
}

/** The grounding context of a transcript: each unit's words and the words said just before it. */
export function groundingContext(units: readonly { id: string; text: string }[], unitCodes: Readonly<Record<string, string>> | undefined, codes: readonly RubricCode[]): GroundingContext {
  return { unitText: new Map(units.map((u) => [u.id, u.text])), unitCodes, codes, before: new Map(units.slice(1).map((u, i) => [u.id, units[i]!.text])) };
}

/** The rubric's own words for an item (title, guidance, scale labels, guide codes): restating them grounds nothing. */
export function itemWords(item: Pick<RubricItem, 'title' | 'guidance' | 'scale' | 'codeGuide'>, codes: readonly RubricCode[] = []): string {
  const guide = item.codeGuide ? [...item.codeGuide.for, ...item.codeGuide.against] : [];
  return [item.title, item.guidance, ...item.scale.labels.map((l) => l.label), ...codes.filter((c) => guide.includes(c.id)).map((c) => `${c.title} ${c.definition}`)].join(' ');
}

const cutShort = (t: string, max = 60) => (t.length > max ? `${t.slice(0, max - 1)}…` : t);
const titles = (cs: readonly RubricCode[]) => cs.map((c) => c.title.toLowerCase()).join(' or ');

/**
 * A rationale that names no word said in the units it cites (beyond the rubric's own words), or
 * names a behaviour none of them was coded with. `final`: for a code-scored item the retry is
 * skipped, because the score and units stand without the model and the answer's sampling was
 * never the problem (the 1.5B model restated the rubric at either temperature).
 */
export function checkRationale(rationale: string, evidence: readonly string[], item: Pick<RubricItem, 'title' | 'guidance' | 'scale' | 'codeGuide'>, g: GroundingContext): Degenerate | null {
  const said = evidence.flatMap((id) => {
    const t = g.unitText.get(id.trim());
    return t ? [t] : [];
  });
  if (said.length === 0) return null;
  if (g.unitCodes) {
    const wrong = unsupportedCodes(rationale, evidence, g.unitCodes, g.codes);
    if (wrong) return { kind: 'unsupported_code', reason: `the rationale for "${item.title}" speaks of ${titles(wrong)}, which none of its cited units was coded as`, final: Boolean(item.codeGuide) };
  }
  if (sharedContent(rationale, said, itemWords(item, g.codes)).length === 0) {
    return { kind: 'not_grounded', reason: `the rationale for "${item.title}" does not mention anything said in the units it cites ("${cutShort(rationale)}")`, final: Boolean(item.codeGuide) };
  }
  return null;
}

/** Every item of a section answer, in order; the first failure. */
export function checkSectionGrounding(answer: SectionAnswer, items: readonly Pick<RubricItem, 'id' | 'title' | 'guidance' | 'scale' | 'codeGuide'>[], g: GroundingContext): Degenerate | null {
  for (const item of items) {
    const a = answer[item.id];
    if (!a) continue;
    const bad = checkRationale(a.rationale, a.evidence, item, g);
    if (bad) return bad;
  }
  return null;
}

/**
 * Strengths that name a behaviour their units were not coded with ("used complex reflections"
 * citing a question) are removed before the narrative is checked: the reader would look for it in
 * the conversation and not find it. Strengths that mention nothing said in their units are removed
 * only while a grounded one remains, so a narrative is not lost for being plain: it fails (and is
 * retried) only when every strength named a behaviour that was not there.
 */
export function dropUngroundedStrengths(answer: NarrativeAnswer, g: GroundingContext): { answer: NarrativeAnswer; dropped: number } {
  const said = (ids: readonly string[]) => ids.flatMap((id) => {
    const t = g.unitText.get(id.trim());
    return t ? [t] : [];
  });
  const consistent = answer.strengths.filter((p) => !(g.unitCodes && said(p.evidence ?? []).length > 0 && unsupportedCodes(p.text, p.evidence ?? [], g.unitCodes, g.codes)));
  const grounded = consistent.filter((p) => sharedContent(p.text, said(p.evidence ?? [])).length > 0);
  const kept = grounded.length > 0 ? grounded : consistent;
  return { answer: { ...answer, strengths: kept }, dropped: answer.strengths.length - kept.length };
}

export const NOT_ABOUT_ITS_MOMENTS = 'it is not about anything said in the moments it cites, or just before them';

/**
 * A suggestion is about a moment: what the clinician said there, or what the patient had just said.
 * One that shares no word with either (seen: "could have asked about their father's stroke …"
 * citing "Some people find that shorter walks fit in more easily", when the clinician had reflected
 * the stroke a minute before) is taken out and kept in `leftOut` with the reason, so the reader is
 * told and an auditor can see it; unlike strengths none is kept for want of better, because a
 * suggestion to do what was already done costs the reader's trust. A suggestion citing no known
 * unit is left to the citation check.
 */
export function dropUngroundedSuggestions(answer: NarrativeAnswer, g: GroundingContext): NarrativeAnswer {
  const kept: NarrativeAnswer['suggestions'] = [];
  const left: NonNullable<NarrativeAnswer['leftOut']> = [];
  for (const p of answer.suggestions) {
    const ids = (p.evidence ?? []).map((id) => id.trim()).filter((id) => g.unitText.has(id));
    const said = ids.flatMap((id) => [g.unitText.get(id)!, ...(g.before?.has(id) ? [g.before.get(id)!] : [])]);
    if (ids.length > 0 && sharedContent(p.text, said).length === 0) left.push({ ...p, why: NOT_ABOUT_ITS_MOMENTS });
    else kept.push(p);
  }
  return left.length === 0 ? answer : { ...answer, suggestions: kept, leftOut: [...(answer.leftOut ?? []), ...left] };
}

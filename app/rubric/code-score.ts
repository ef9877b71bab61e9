import type { Rubric, RubricItem } from './rubric';

/**
 * The score of an item that has a code guide, from the behaviour codes of the clinician's units
 * (docs/decisions/023). The embedded model could not tell a poor consultation from a good one
 * (every item 5/5 for both), while the trained coder's codes could; so for these items the coding
 * gives the score and the model cites the units and explains it. The rule, in words (shown in the
 * report with the counts):
 *
 * - nothing coded for or against the item: one step above the bottom ("not shown");
 * - otherwise the share of "showing it" among the units on either side decides the band:
 *   under 25 % → bottom, under 50 % → a quarter of the way up, under 75 % → the middle, else
 *   three quarters of the way up; the top needs 75 % or more and at least 5 units showing it with
 *   none against.
 */
export interface CodeScore {
  score: number;
  /** Units coded with one of the guide's `for` codes, and with one of its `against` codes. */
  showing: string[];
  against: string[];
  /** The rule that gave the score, in words, with the numbers. */
  explanation: string;
}

export const TOP_NEEDS_SHOWING = 5;

export function codeScore(item: Pick<RubricItem, 'codeGuide' | 'scale'>, unitCodes: Readonly<Record<string, string>> | undefined): CodeScore | null {
  const guide = item.codeGuide;
  if (!guide || !unitCodes) return null;
  const showing = Object.keys(unitCodes).filter((id) => guide.for.includes(unitCodes[id]!));
  const against = Object.keys(unitCodes).filter((id) => guide.against.includes(unitCodes[id]!));
  const { min, max } = item.scale;
  const at = (fraction: number) => min + Math.round(fraction * (max - min));
  const p = showing.length;
  const c = against.length;
  const counted = `${p} unit${p === 1 ? '' : 's'} showing it (${guide.for.join(', ')})${guide.against.length ? `, ${c} against it (${guide.against.join(', ')})` : ''}`;
  if (p + c === 0) return { score: Math.min(max, min + 1), showing, against, explanation: `${counted}: not shown` };
  const share = p / (p + c);
  const pct = `${Math.round(share * 100)} % of them showing it`;
  let fraction: number;
  if (share < 0.25) fraction = 0;
  else if (share < 0.5) fraction = 0.25;
  else if (share < 0.75) fraction = 0.5;
  else fraction = p >= TOP_NEEDS_SHOWING && c === 0 ? 1 : 0.75;
  return { score: at(fraction), showing, against, explanation: `${counted}: ${pct}` };
}

/**
 * The reason given for an item the codes score as "not shown": no unit to cite exists, so no model
 * is asked (the 1.5B model, asked anyway, praised behaviour the coding had not found).
 */
export function notShownRationale(item: Pick<RubricItem, 'codeGuide'>): string {
  const g = item.codeGuide!;
  const words = (codes: readonly string[]) => codes.map((c) => c.replace(/_/g, ' ')).join(', ');
  return `No clinician sentence was coded as showing it (${words(g.for)})${g.against.length ? ` or as working against it (${words(g.against)})` : ''}, so it is scored as not shown. If the conversation did show it, the coding missed it: the transcript's codes are listed under Behaviour coding.`;
}

/**
 * The reason of a code-scored item whose written explanation was set aside (failed twice, or not
 * about the units it cites): the score and the cited units do not depend on the model, so they
 * stand. The report's basis line already gives the totals, so this says what the cited sentences
 * were coded as, and why no explanation in words is given.
 */
export function codeOnlyRationale(refusal: string, scored?: Pick<CodeScore, 'showing' | 'against'>, unitCodes?: Readonly<Record<string, string>>): string {
  const tally = (ids: readonly string[]) => {
    const n = new Map<string, number>();
    for (const id of ids) n.set(unitCodes?.[id] ?? '?', (n.get(unitCodes?.[id] ?? '?') ?? 0) + 1);
    return [...n].map(([code, k]) => `${code.replace(/_/g, ' ')} ×${k}`).join(', ');
  };
  const coded = scored && unitCodes && scored.showing.length + scored.against.length > 0
    ? `Coded in the conversation: ${[scored.showing.length ? `showing it, ${tally(scored.showing)}` : '', scored.against.length ? `against it, ${tally(scored.against)}` : ''].filter(Boolean).join('; ')}.`
    : 'Scored from the behaviour codes of the sentences shown.';
  return `${coded} No explanation in words: the language model's was set aside (${refusal}).`;
}

/** Whether a code score rests on no unit at all (nothing coded for or against the item). */
export const isNotShown = (s: CodeScore): boolean => s.showing.length + s.against.length === 0;

/** The code of small talk (greetings, thanks): never evidence for a narrative point when the coding has it. */
export const SMALL_TALK_CODE = 'other';

/** A patient unit shorter than this ("go ahead", "No, that's it.") is a backchannel: the summary cited one as what the conversation was about. */
export const SUMMARY_MIN_WORDS = 4;

/**
 * The clinician units a narrative point may cite, from the codes (docs/decisions/023): a strength
 * cites units coded with a code some item counts in its favour; a suggestion cites the clinician's
 * other units (coded against an item, or with a code no item counts in its favour) — the moments
 * where something else could have been done — leaving out small talk when other units remain (the
 * demo's one suggestion cited the greeting); the summary may cite any unit but the clinician's
 * small talk (it cited the greeting and "how have things been") and the patient's backchannels (it cited "go ahead"). Empty when the rubric has no guides or there is no coding.
 */
export function narrativeUnitPools(
  rubric: Pick<Rubric, 'sections'>,
  unitCodes: Readonly<Record<string, string>> | undefined,
  unitIds: readonly string[] = [],
  wordsOf: (unitId: string) => number = () => SUMMARY_MIN_WORDS,
): { summary: string[]; strengths: string[]; suggestions: string[] } {
  const guides = rubric.sections.flatMap((s) => s.items.flatMap((i) => (i.codeGuide ? [i.codeGuide] : [])));
  if (!unitCodes || guides.length === 0) return { summary: [], strengths: [], suggestions: [] };
  const favoured = new Set(guides.flatMap((g) => g.for));
  const ids = Object.keys(unitCodes);
  const others = ids.filter((id) => !favoured.has(unitCodes[id]!));
  const substantive = others.filter((id) => unitCodes[id] !== SMALL_TALK_CODE);
  return {
    summary: unitIds.filter((id) => unitCodes[id] !== SMALL_TALK_CODE && (id in unitCodes || wordsOf(id) >= SUMMARY_MIN_WORDS)),
    strengths: ids.filter((id) => favoured.has(unitCodes[id]!)),
    suggestions: substantive.length > 0 ? substantive : others,
  };
}

/**
 * The units a guided item cites, chosen from its code score rather than by the model (docs/decisions/023):
 * asked to choose, the 1.5B model spent a third of its tokens on ids and picked the first units
 * listed (a greeting question for "cultivating change talk"). Units showing it come first, ranked
 * by the order of the guide's `for` codes (the rubric lists the most telling code first), then by
 * how much was said; a unit already cited by another item of the section goes last. When units
 * work against the item, the strongest of them takes the last place, so the reader sees what kept
 * the score down.
 */
export function unitsToCite(
  item: Pick<RubricItem, 'codeGuide'>,
  scored: Pick<CodeScore, 'showing' | 'against'>,
  unitCodes: Readonly<Record<string, string>>,
  words: (unitId: string) => number,
  alreadyCited: ReadonlySet<string> = new Set(),
  max = 3,
): string[] {
  const guide = item.codeGuide;
  if (!guide) return [];
  const rank = (codes: readonly string[]) => (ids: readonly string[]) =>
    [...ids].sort((a, b) => Number(alreadyCited.has(a)) - Number(alreadyCited.has(b)) || codes.indexOf(unitCodes[a]!) - codes.indexOf(unitCodes[b]!) || words(b) - words(a));
  const showing = rank(guide.for)(scored.showing);
  const against = rank(guide.against)(scored.against);
  if (against.length === 0) return showing.slice(0, max);
  if (showing.length === 0) return against.slice(0, max);
  return [...showing.slice(0, max - 1), against[0]!];
}

import type { RubricItem } from './rubric';

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

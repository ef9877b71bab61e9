import { scoredItems, type VerifiedAnalysis } from '../../app/rubric/analysis';
import type { Rubric } from '../../app/rubric/rubric';
import { rubricItems } from '../../app/rubric/rubric';
import type { ExpectedScore } from './contrast-pairs';

/** Issue 9's targets for a contrast pair on one rubric. */
export const CONTRAST_TARGETS = { minDifference: 0.2, favourPoorAtMost: 'items favouring good' } as const;

/** An item's score on 0..1: (score − scale min) ÷ (scale max − scale min). */
export const normalise = (score: number, min: number, max: number) => (max === min ? 0 : (score - min) / (max - min));

export interface VersionScore {
  /** Mean normalised score of the scored items; null when no item was scored. */
  mean: number | null;
  items: Record<string, number>;
  /** Items left unscored because their section failed. */
  unscored: string[];
}

export function versionScore(analysis: VerifiedAnalysis): VersionScore {
  const items: Record<string, number> = {};
  for (const i of scoredItems(analysis)) items[i.itemId] = round4(normalise(i.score, i.scaleMin, i.scaleMax));
  const unscored = analysis.sections.flatMap((s) => (s.status === 'failed' ? s.items.map((i) => i.itemId) : []));
  const values = Object.values(items);
  return { mean: values.length ? round4(values.reduce((a, b) => a + b, 0) / values.length) : null, items, unscored };
}

export interface PairComparison {
  good: VersionScore;
  poor: VersionScore;
  /** good.mean − poor.mean (null when either has no scored item). */
  difference: number | null;
  /** Items scored in both versions, by which one scores higher. */
  favourGood: number;
  favourPoor: number;
  ties: number;
  meets: { difference: boolean; items: boolean };
}

export function comparePair(good: VerifiedAnalysis, poor: VerifiedAnalysis): PairComparison {
  const g = versionScore(good);
  const p = versionScore(poor);
  let favourGood = 0;
  let favourPoor = 0;
  let ties = 0;
  for (const [id, score] of Object.entries(g.items)) {
    const other = p.items[id];
    if (other === undefined) continue;
    if (score > other) favourGood++;
    else if (score < other) favourPoor++;
    else ties++;
  }
  const difference = g.mean !== null && p.mean !== null ? round4(g.mean - p.mean) : null;
  return {
    good: g,
    poor: p,
    difference,
    favourGood,
    favourPoor,
    ties,
    meets: { difference: difference !== null && difference >= CONTRAST_TARGETS.minDifference - 1e-9, items: favourPoor <= favourGood },
  };
}

/** The expert's expected scores of one rubric (expected.md) as mean normalised scores. */
export function expectedMeans(rubric: Rubric, expected: readonly ExpectedScore[]): { good: number | null; poor: number | null } {
  const scale = new Map(rubricItems(rubric).map((i) => [i.id, i.scale]));
  const rows = expected.filter((e) => e.rubricId === rubric.id && scale.has(e.itemId));
  const mean = (pick: (e: ExpectedScore) => number) =>
    rows.length ? round4(rows.reduce((s, e) => s + normalise(pick(e), scale.get(e.itemId)!.min, scale.get(e.itemId)!.max), 0) / rows.length) : null;
  return { good: mean((e) => e.good), poor: mean((e) => e.poor) };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

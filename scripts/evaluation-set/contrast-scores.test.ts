import { describe, expect, it } from 'vitest';
import type { VerifiedAnalysis } from '../../app/rubric/analysis';
import { comparePair, normalise, versionScore } from './contrast-scores';

const item = (itemId: string, score: number) => ({ itemId, title: itemId, focus: 'clinician', score, scaleMin: 1, scaleMax: 5, scoreLabel: null, rationale: 'r', citations: [], rejected: [] });
const analysis = (scores: Record<string, number>, failed: string[] = []) =>
  ({
    sections: [
      { status: 'scored', sectionId: 's1', title: 'S1', attempts: 1, items: Object.entries(scores).map(([id, s]) => item(id, s)) },
      ...(failed.length ? [{ status: 'failed', sectionId: 's2', title: 'S2', attempts: 2, reason: 'degenerate', items: failed.map((id) => ({ itemId: id, title: id })) }] : []),
    ],
  }) as unknown as VerifiedAnalysis;

describe('contrast scores', () => {
  it('normalises an item to 0..1 on its scale and averages the scored items only', () => {
    expect(normalise(3, 1, 5)).toBe(0.5);
    const v = versionScore(analysis({ a: 5, b: 1 }, ['c']));
    expect(v).toEqual({ mean: 0.5, items: { a: 1, b: 0 }, unscored: ['c'] });
  });

  it('compares good with poor: difference, items favouring each, and the targets', () => {
    const cmp = comparePair(analysis({ a: 5, b: 4, c: 2 }), analysis({ a: 2, b: 4, c: 3 }));
    expect(cmp.difference).toBe(0.1667);
    expect([cmp.favourGood, cmp.favourPoor, cmp.ties]).toEqual([1, 1, 1]);
    expect(cmp.meets).toEqual({ difference: false, items: true });
    expect(comparePair(analysis({ a: 5, b: 5 }), analysis({ a: 2, b: 3 })).meets).toEqual({ difference: true, items: true });
    expect(comparePair(analysis({ a: 2 }), analysis({ a: 3 })).meets.items).toBe(false);
  });
});

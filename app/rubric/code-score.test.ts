import { describe, expect, it } from 'vitest';
import { codeScore } from './code-score';
import { RubricItem } from './rubric';

const item = RubricItem.parse({
  id: 'empathy',
  title: 'Empathy',
  guidance: 'g',
  scale: { min: 1, max: 5, labels: [] },
  codeGuide: { for: ['simple_reflection', 'complex_reflection'], against: ['confront'] },
});

/** `n` units with one code, numbered from `from`. */
function units(code: string, n: number, from = 0): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, k) => [`u${from + k}`, code]));
}

describe('codeScore', () => {
  it('maps the share of units showing the item onto the scale by the stated bands', () => {
    const score = (forN: number, againstN: number) => codeScore(item, { ...units('complex_reflection', forN), ...units('confront', againstN, 100) })!.score;
    expect(score(0, 4)).toBe(1); // 0 %
    expect(score(1, 4)).toBe(1); // 20 %
    expect(score(1, 3)).toBe(2); // 25 %
    expect(score(2, 3)).toBe(2); // 40 %
    expect(score(1, 1)).toBe(3); // 50 %
    expect(score(3, 1)).toBe(4); // 75 %, one against: not the top
    expect(score(4, 0)).toBe(4); // all showing it but fewer than five
    expect(score(5, 0)).toBe(5);
  });

  it('scores "not shown" one step above the bottom, and ignores codes outside the guide', () => {
    const r = codeScore(item, { u1: 'other', u2: 'giving_information', u3: 'closed_question' })!;
    expect(r.score).toBe(2);
    expect(r.showing).toEqual([]);
    expect(r.explanation).toBe('0 units showing it (simple_reflection, complex_reflection), 0 against it (confront): not shown');
  });

  it('names the units on each side and the numbers in the explanation', () => {
    const r = codeScore(item, { u1: 'simple_reflection', u4: 'confront', u6: 'complex_reflection', u8: 'other' })!;
    expect(r.showing).toEqual(['u1', 'u6']);
    expect(r.against).toEqual(['u4']);
    expect(r.score).toBe(3);
    expect(r.explanation).toBe('2 units showing it (simple_reflection, complex_reflection), 1 against it (confront): 67 % of them showing it');
  });

  it('uses the item scale, and gives nothing without a guide or a coding', () => {
    const wide = RubricItem.parse({ ...item, scale: { min: 0, max: 4, labels: [] } });
    expect(codeScore(wide, units('simple_reflection', 6))!.score).toBe(4);
    expect(codeScore(wide, units('confront', 2))!.score).toBe(0);
    expect(codeScore(item, undefined)).toBeNull();
    expect(codeScore(RubricItem.parse({ ...item, codeGuide: undefined }), units('confront', 2))).toBeNull();
  });
});

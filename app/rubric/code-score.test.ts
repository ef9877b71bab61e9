import { describe, expect, it } from 'vitest';
import { codeScore, isNotShown, narrativeUnitPools, notShownRationale, unitsToCite } from './code-score';
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

describe('notShownRationale and narrativeUnitPools', () => {
  it('says in words which codes were looked for when nothing was coded for or against the item', () => {
    expect(notShownRationale(item)).toBe('No clinician sentence was coded as showing it (simple reflection, complex reflection) or as working against it (confront), so it is scored as not shown. If the conversation did show it, the coding missed it: the transcript\'s codes are listed under Behaviour coding.');
    expect(isNotShown(codeScore(item, { u1: 'other' })!)).toBe(true);
    expect(isNotShown(codeScore(item, { u1: 'confront' })!)).toBe(false);
  });

  it('lets strengths cite units coded in some item\'s favour, and suggestions the clinician\'s other units', () => {
    const other = RubricItem.parse({ ...item, id: 'partnership', codeGuide: { for: ['seeking_collaboration'], against: ['persuade'] } });
    const rubric = { sections: [{ id: 's', title: 'S', items: [item, other] }] } as unknown as Parameters<typeof narrativeUnitPools>[0];
    const codes = { u1: 'simple_reflection', u3: 'persuade', u5: 'seeking_collaboration', u7: 'closed_question', u9: 'confront', u11: 'other' };
    const all = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9', 'u10', 'u11'];
    // Small talk (other) is never a suggestion's moment while others remain, nor the summary's.
    expect(narrativeUnitPools(rubric, codes, all)).toEqual({ summary: all.filter((id) => id !== 'u11'), strengths: ['u1', 'u5'], suggestions: ['u3', 'u7', 'u9'] });
    expect(narrativeUnitPools(rubric, { u1: 'simple_reflection', u11: 'other' }, all).suggestions).toEqual(['u11']);
    // A patient's backchannel ("go ahead") is not what the conversation was about; a short clinician unit still counts.
    const words = (id: string) => ({ u2: 2, u7: 1 })[id] ?? 10;
    expect(narrativeUnitPools(rubric, codes, all, words).summary).toEqual(all.filter((id) => id !== 'u11' && id !== 'u2'));
    expect(narrativeUnitPools(rubric, undefined)).toEqual({ summary: [], strengths: [], suggestions: [] });
    const unguided = { sections: [{ id: 's', title: 'S', items: [RubricItem.parse({ ...item, codeGuide: undefined })] }] } as unknown as Parameters<typeof narrativeUnitPools>[0];
    expect(narrativeUnitPools(unguided, codes)).toEqual({ summary: [], strengths: [], suggestions: [] });
  });
});

describe('unitsToCite', () => {
  const item = { codeGuide: { for: ['complex_reflection', 'open_question'], against: ['persuade'] } };
  const codes = { u1: 'open_question', u3: 'complex_reflection', u5: 'open_question', u7: 'complex_reflection', u9: 'persuade', u11: 'other' };
  const words = (id: string) => ({ u1: 4, u3: 6, u5: 12, u7: 15, u9: 8, u11: 3 })[id] ?? 0;

  it("cites the guide's first codes first, the longer unit first, and keeps the last place for a unit against it", () => {
    expect(unitsToCite(item, { showing: ['u1', 'u3', 'u5', 'u7'], against: [] }, codes, words)).toEqual(['u7', 'u3', 'u5']);
    expect(unitsToCite(item, { showing: ['u1', 'u3', 'u5', 'u7'], against: ['u9'] }, codes, words)).toEqual(['u7', 'u3', 'u9']);
    expect(unitsToCite(item, { showing: [], against: ['u9'] }, codes, words)).toEqual(['u9']);
  });

  it('puts units another item already cites last, and gives nothing for an unguided item', () => {
    expect(unitsToCite(item, { showing: ['u1', 'u3', 'u5', 'u7'], against: [] }, codes, words, new Set(['u7', 'u3']))).toEqual(['u5', 'u1', 'u7']);
    expect(unitsToCite({ codeGuide: undefined }, { showing: ['u1'], against: [] }, codes, words)).toEqual([]);
  });
});

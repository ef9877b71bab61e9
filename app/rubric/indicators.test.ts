import { describe, expect, it } from 'vitest';
import { computeIndicators, countCodes } from './indicators';
import { RubricCoding } from './rubric';

const coding = RubricCoding.parse({
  unit: 'one clinician unit',
  codes: ['open_question', 'closed_question', 'simple_reflection', 'complex_reflection', 'affirm', 'persuade', 'other'].map((id) => ({ id, title: id, definition: `def ${id}` })),
  indicators: [
    { id: 'r2q', title: 'R:Q', numerator: ['simple_reflection', 'complex_reflection'], denominator: ['open_question', 'closed_question'], unit: 'ratio', target: '1 or more', definition: 'reflections ÷ questions' },
    { id: 'pct_cr', title: '%CR', numerator: ['complex_reflection'], denominator: ['simple_reflection', 'complex_reflection'], unit: 'percent', definition: 'complex ÷ all reflections × 100' },
    { id: 'adherent', title: 'Adherent', numerator: ['affirm'], denominator: [], unit: 'count', definition: 'affirms' },
    { id: 'pct_open', title: '%OQ', numerator: ['open_question'], denominator: ['open_question', 'closed_question'], unit: 'percent', definition: 'open ÷ all questions × 100' },
  ],
});
const units = (counts: Record<string, number>) => Object.entries(counts).flatMap(([code, n]) => Array.from({ length: n }, () => ({ code })));

describe('indicator formulas', () => {
  it('counts every code of the code book, zero counts included, in code-book order', () => {
    const counts = countCodes(coding, units({ open_question: 2, other: 1 }));
    expect(counts.map((c) => [c.codeId, c.count])).toEqual([['open_question', 2], ['closed_question', 0], ['simple_reflection', 0], ['complex_reflection', 0], ['affirm', 0], ['persuade', 0], ['other', 1]]);
  });

  it('computes ratio, percent and count from hand-made counts', () => {
    // 3 open + 5 closed questions, 4 simple + 6 complex reflections, 2 affirms.
    const values = computeIndicators(coding, countCodes(coding, units({ open_question: 3, closed_question: 5, simple_reflection: 4, complex_reflection: 6, affirm: 2, persuade: 1 })));
    const byId = Object.fromEntries(values.map((v) => [v.id, v]));
    expect(byId.r2q).toMatchObject({ numerator: 10, denominator: 8, value: 1.25, unit: 'ratio', target: '1 or more', definition: 'reflections ÷ questions' });
    expect(byId.pct_cr).toMatchObject({ numerator: 6, denominator: 10, value: 60 });
    expect(byId.adherent).toMatchObject({ numerator: 2, denominator: null, value: 2 });
    expect(byId.pct_open!.value).toBeCloseTo(37.5, 10);
  });

  it('gives no value (null) when the denominator is 0, and 0 for a count of nothing', () => {
    const values = computeIndicators(coding, countCodes(coding, units({ other: 4 })));
    const byId = Object.fromEntries(values.map((v) => [v.id, v]));
    expect(byId.r2q).toMatchObject({ numerator: 0, denominator: 0, value: null });
    expect(byId.pct_cr!.value).toBeNull();
    expect(byId.adherent!.value).toBe(0);
  });

  it('a ratio with reflections but no questions is null, not infinite', () => {
    const [r2q] = computeIndicators(coding, countCodes(coding, units({ simple_reflection: 3 })));
    expect(r2q).toMatchObject({ numerator: 3, denominator: 0, value: null });
  });
});

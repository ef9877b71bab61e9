import { describe, expect, it } from 'vitest';
import { agreement, cohenKappa, questionAgreement, questionClass } from './agreement';

describe('agreement', () => {
  it("computes Cohen's kappa as (po − pe) / (1 − pe)", () => {
    // 2×2 table [[20, 5], [10, 15]]: po = 0.7, pe = 0.5·0.6 + 0.5·0.4 = 0.5 → κ = 0.4
    const a = [...new Array<number>(25).fill(0), ...new Array<number>(25).fill(1)];
    const b = [...new Array<number>(20).fill(0), ...new Array<number>(5).fill(1), ...new Array<number>(10).fill(0), ...new Array<number>(15).fill(1)];
    expect(cohenKappa(a, b, 2)).toBeCloseTo(0.4, 10);
    expect(cohenKappa(a, a, 2)).toBe(1);
  });

  it('gives precision, recall and support per code and counts an uncoded unit as a miss', () => {
    const r = agreement(['a', 'b'], ['a', 'a', 'b', 'b'], ['a', 'b', 'b', null]);
    expect(r.perCode).toEqual([
      { code: 'a', support: 2, predicted: 1, truePositives: 1, precision: 1, recall: 0.5 },
      { code: 'b', support: 2, predicted: 2, truePositives: 1, precision: 0.5, recall: 0.5 },
    ]);
    expect(r.accuracy).toBe(0.5);
    expect(r.confusion.rows[1]).toEqual([0, 1, 1]);
  });

  it('collapses codes to open / closed / not a question for the question kappa', () => {
    expect(questionClass('complex_reflection')).toBe('not_a_question');
    expect(questionClass(null)).toBe('not_a_question');
    const r = questionAgreement(['open_question', 'closed_question', 'affirm', 'summary'], ['open_question', 'closed_question', 'summary', 'affirm']);
    expect(r.kappa).toBe(1);
  });
});

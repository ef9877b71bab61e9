import type { CodeCount, CodedUnit, IndicatorValue } from './analysis';
import type { RubricCoding } from './rubric';

/** How many units got each code of the code book, in code-book order (zero counts included). */
export function countCodes(coding: RubricCoding, codes: readonly Pick<CodedUnit, 'code'>[]): CodeCount[] {
  const n = new Map<string, number>();
  for (const c of codes) n.set(c.code, (n.get(c.code) ?? 0) + 1);
  return coding.codes.map((c) => ({ codeId: c.id, title: c.title, definition: c.definition, count: n.get(c.id) ?? 0 }));
}

/**
 * The rubric's indicators from the code counts, by their stated formulas: ratio = Σ numerator ÷
 * Σ denominator, percent = that × 100, count = Σ numerator. A ratio or percent whose denominator
 * is 0 has no value (null, shown as "n/a"), never 0 or infinity.
 */
export function computeIndicators(coding: RubricCoding, counts: readonly CodeCount[]): IndicatorValue[] {
  const count = new Map(counts.map((c) => [c.codeId, c.count]));
  const sum = (ids: readonly string[]) => ids.reduce((s, id) => s + (count.get(id) ?? 0), 0);
  return coding.indicators.map((ind) => {
    const numerator = sum(ind.numerator);
    const denominator = ind.unit === 'count' ? null : sum(ind.denominator);
    const value = ind.unit === 'count' ? numerator : denominator === 0 || denominator === null ? null : ind.unit === 'percent' ? (numerator / denominator) * 100 : numerator / denominator;
    return {
      id: ind.id,
      title: ind.title,
      definition: ind.definition,
      unit: ind.unit,
      ...(ind.target !== undefined ? { target: ind.target } : {}),
      numeratorCodes: [...ind.numerator],
      denominatorCodes: [...ind.denominator],
      numerator,
      denominator,
      value,
    };
  });
}

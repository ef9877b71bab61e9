import type { CodeCount, IndicatorValue } from '../../../app/rubric/analysis';
import { formatIndicator } from './report-format';

/** "0.71", "60 %", "4"; "—" when the indicator has no value (its denominator is 0), never 0. */
export function indicatorValueText(ind: IndicatorValue): string {
  if (ind.value === null) return '—';
  return ind.unit === 'percent' ? `${Math.round(ind.value)} %` : formatIndicator(ind.value);
}

/**
 * The formula in words with this session's numbers, e.g. "(simple reflections + complex
 * reflections) ÷ (open questions + closed questions) = 5 ÷ 7 = 0.71", so a reader can check it.
 * Without a value it says why: nothing was coded to divide by.
 */
export function indicatorCalculation(ind: IndicatorValue, counts: readonly CodeCount[]): string {
  if (ind.unit === 'count') {
    if (ind.numeratorCodes.length <= 1) return `${ind.definition} = ${ind.numerator}`;
    const parts = ind.numeratorCodes.map((id) => counts.find((c) => c.codeId === id)?.count ?? 0);
    return `${ind.definition} = ${parts.join(' + ')} = ${ind.numerator}`;
  }
  const times = ind.unit === 'percent' ? ' × 100' : '';
  if (ind.value === null || ind.denominator === null || ind.denominator === 0) {
    const titles = ind.denominatorCodes.map((id) => (counts.find((c) => c.codeId === id)?.title ?? id).toLowerCase());
    return `${ind.definition} = ${ind.numerator} ÷ 0: no value, because no unit was coded ${orList(titles)}`;
  }
  return `${ind.definition} = ${ind.numerator} ÷ ${ind.denominator}${times} = ${indicatorValueText(ind)}`;
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** The first sentence of a code's definition, for the counts table (the full text is the coder's instruction). */
export function shortDefinition(definition: string): string {
  const m = /^(.+?[.!?])(\s+[A-Z(‘“'"]|$)/s.exec(definition.trim());
  return (m ? m[1]! : definition).trim();
}

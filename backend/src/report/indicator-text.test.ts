import { describe, expect, it } from 'vitest';
import type { CodeCount, IndicatorValue } from '../../../app/rubric/analysis';
import { indicatorCalculation, indicatorValueText, shortDefinition } from './indicator-text';

const counts: CodeCount[] = [
  { codeId: 'open_question', title: 'Open question', definition: '', count: 4 },
  { codeId: 'closed_question', title: 'Closed question', definition: '', count: 2 },
  { codeId: 'simple_reflection', title: 'Simple reflection', definition: '', count: 6 },
  { codeId: 'complex_reflection', title: 'Complex reflection', definition: '', count: 3 },
  { codeId: 'affirm', title: 'Affirm', definition: '', count: 2 },
  { codeId: 'emphasizing_autonomy', title: 'Emphasising autonomy', definition: '', count: 0 },
];
const ratio: IndicatorValue = {
  id: 'r',
  title: 'Reflections per question',
  definition: '(simple reflections + complex reflections) ÷ (open questions + closed questions)',
  unit: 'ratio',
  target: '1 or more',
  numeratorCodes: ['simple_reflection', 'complex_reflection'],
  denominatorCodes: ['open_question', 'closed_question'],
  numerator: 9,
  denominator: 6,
  value: 1.5,
};

describe('indicator text', () => {
  it('writes the formula with the session’s numbers and the value', () => {
    expect(indicatorCalculation(ratio, counts)).toBe('(simple reflections + complex reflections) ÷ (open questions + closed questions) = 9 ÷ 6 = 1.5');
    expect(indicatorValueText(ratio)).toBe('1.5');
    const percent = { ...ratio, unit: 'percent' as const, definition: 'complex reflections ÷ all reflections × 100', numerator: 3, denominator: 9, value: (3 / 9) * 100 };
    expect(indicatorCalculation(percent, counts)).toBe('complex reflections ÷ all reflections × 100 = 3 ÷ 9 × 100 = 33 %');
    expect(indicatorValueText({ ...ratio, value: 5 / 7 })).toBe('0.71');
  });

  it('adds up a count of several codes term by term, and states a single-code count plainly', () => {
    const adherent = { ...ratio, unit: 'count' as const, definition: 'affirm + emphasising autonomy', numeratorCodes: ['affirm', 'emphasizing_autonomy'], denominatorCodes: [], numerator: 2, denominator: null, value: 2 };
    expect(indicatorCalculation(adherent, counts)).toBe('affirm + emphasising autonomy = 2 + 0 = 2');
    expect(indicatorCalculation({ ...adherent, definition: 'number of units coded affirm', numeratorCodes: ['affirm'] }, counts)).toBe('number of units coded affirm = 2');
  });

  it('shows a missing value as a dash and says there was nothing to divide by, never 0', () => {
    const none = { ...ratio, numerator: 9, denominator: 0, value: null };
    expect(indicatorValueText(none)).toBe('—');
    expect(indicatorCalculation(none, counts)).toBe('(simple reflections + complex reflections) ÷ (open questions + closed questions) = 9 ÷ 0: no value, because no unit was coded open question or closed question');
  });

  it('shortens a code definition to its first sentence', () => {
    expect(shortDefinition("A question that can be answered with yes or no (do you, are you). A question that offers two options is closed.")).toBe('A question that can be answered with yes or no (do you, are you).');
    expect(shortDefinition("Says plainly that the choice belongs to the patient ('It's your decision').")).toBe("Says plainly that the choice belongs to the patient ('It's your decision').");
    expect(shortDefinition('No full stop at all')).toBe('No full stop at all');
  });
});

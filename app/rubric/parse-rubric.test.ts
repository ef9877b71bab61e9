import { describe, expect, it } from 'vitest';
import { parseRubric } from './parse-rubric';

const scale = { min: 1, max: 5, labels: [{ value: 1, label: 'low' }, { value: 5, label: 'high' }] };
const code = (id: string) => ({ id, title: id, definition: `means ${id}` });
const valid = {
  id: 'r',
  version: '2.0.0',
  title: 'R',
  description: 'd',
  attribution: 'a',
  sections: [{ id: 's', title: 'S', items: [{ id: 'a', title: 'A', guidance: 'g', scale }] }],
  coding: {
    unit: 'one clinician unit',
    codes: [code('question'), code('reflection'), code('other')],
    indicators: [
      { id: 'r2q', title: 'R:Q', numerator: ['reflection'], denominator: ['question'], unit: 'ratio', definition: 'reflections ÷ questions' },
      { id: 'n', title: 'N', numerator: ['question'], denominator: [], unit: 'count', definition: 'questions' },
    ],
  },
};

describe('parseRubric', () => {
  it('returns the rubric with defaults filled in', () => {
    const r = parseRubric(valid);
    expect(r.sections[0]!.items[0]!.focus).toBe('clinician');
    expect(r.coding!.codes.map((c) => c.id)).toEqual(['question', 'reflection', 'other']);
    expect(parseRubric({ ...valid, coding: undefined }).coding).toBeUndefined();
  });

  it('checks that a code guide names codes of the code book, and needs one', () => {
    const guided = (codeGuide: unknown, withBook = true) => ({ ...valid, coding: withBook ? valid.coding : undefined, sections: [{ id: 's', title: 'S', items: [{ id: 'a', title: 'A', guidance: 'g', scale, codeGuide }] }] });
    expect(parseRubric(guided({ for: ['reflection'] })).sections[0]!.items[0]!.codeGuide).toEqual({ for: ['reflection'], against: [] });
    expect(() => parseRubric(guided({ for: ['reflection'], against: ['lecture'] }))).toThrow(expect.objectContaining({ code: 'rubric.invalid', message: expect.stringContaining('code guide names unknown code "lecture"') }));
    expect(() => parseRubric(guided({ for: ['reflection'] }, false))).toThrow(expect.objectContaining({ message: expect.stringContaining("a code guide needs the rubric's code book") }));
  });

  it('rejects a value that does not match the schema, naming the path', () => {
    expect(() => parseRubric({ ...valid, sections: [] })).toThrow(expect.objectContaining({ code: 'rubric.invalid', message: expect.stringContaining('sections') }));
    expect(() => parseRubric('nope')).toThrow(expect.objectContaining({ code: 'rubric.invalid' }));
  });

  it('refuses a version-1 rubric with behaviours or summaryIndicators instead of silently dropping them', () => {
    const v1Section = { ...valid.sections[0]!, behaviours: [{ id: 'b', title: 'B', guidance: 'g' }] };
    expect(() => parseRubric({ ...valid, sections: [v1Section] })).toThrow(expect.objectContaining({ code: 'rubric.invalid', message: expect.stringContaining('behaviours') }));
    expect(() => parseRubric({ ...valid, summaryIndicators: [] })).toThrow(expect.objectContaining({ code: 'rubric.invalid', message: expect.stringContaining('summaryIndicators') }));
  });

  const withCoding = (patch: object) => ({ coding: { ...valid.coding, ...patch } });
  it.each([
    ['a duplicate item id', { sections: [valid.sections[0]!, { id: 't', title: 'T', items: [{ id: 'a', title: 'A2', guidance: 'g', scale }] }] }, 'duplicate item id "a"'],
    ['an empty scale', { sections: [{ ...valid.sections[0]!, items: [{ id: 'a', title: 'A', guidance: 'g', scale: { min: 3, max: 3, labels: [] } }] }] }, 'scale min 3 must be below max 3'],
    ['a label outside the scale', { sections: [{ ...valid.sections[0]!, items: [{ id: 'a', title: 'A', guidance: 'g', scale: { ...scale, labels: [{ value: 7, label: 'x' }] } }] }] }, 'label 7 is outside 1..5'],
    ['a duplicate section id', { sections: [valid.sections[0]!, { id: 's', title: 'S2', items: [{ id: 'c', title: 'C', guidance: 'g', scale }] }] }, 'duplicate section id "s"'],
    ['an empty section', { sections: [...valid.sections, { id: 'empty', title: 'E', items: [] }] }, 'sections.1.items'],
    ['a duplicate code id', withCoding({ codes: [code('question'), code('question'), code('reflection')] }), 'duplicate code id "question"'],
    ['an indicator naming an unknown code', withCoding({ indicators: [{ id: 'i', title: 'I', numerator: ['zzz'], denominator: ['question'], unit: 'ratio', definition: 'd' }] }), 'indicator "i" names unknown code "zzz"'],
    ['a duplicate indicator id', withCoding({ indicators: [valid.coding.indicators[1], valid.coding.indicators[1]] }), 'duplicate indicator id "n"'],
    ['a ratio without a denominator', withCoding({ indicators: [{ id: 'i', title: 'I', numerator: ['question'], denominator: [], unit: 'percent', definition: 'd' }] }), 'a percent needs a denominator'],
    ['a count with a denominator', withCoding({ indicators: [{ id: 'i', title: 'I', numerator: ['question'], denominator: ['other'], unit: 'count', definition: 'd' }] }), 'a count has no denominator'],
  ])('rejects %s', (_name, patch, message) => {
    expect(() => parseRubric({ ...valid, ...patch })).toThrow(expect.objectContaining({ code: 'rubric.invalid', message: expect.stringContaining(message) }));
  });
});

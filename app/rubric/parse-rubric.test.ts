import { describe, expect, it } from 'vitest';
import { parseRubric } from './parse-rubric';

const scale = { min: 1, max: 5, labels: [{ value: 1, label: 'low' }, { value: 5, label: 'high' }] };
const valid = {
  id: 'r',
  version: '1',
  title: 'R',
  description: 'd',
  attribution: 'a',
  sections: [{ id: 's', title: 'S', items: [{ id: 'a', title: 'A', guidance: 'g', scale }], behaviours: [{ id: 'b', title: 'B', guidance: 'g' }] }],
  summaryIndicators: [{ id: 'i', title: 'I', numerator: ['b'], denominator: ['b'] }],
};

describe('parseRubric', () => {
  it('returns the rubric with defaults filled in', () => {
    const r = parseRubric(valid);
    expect(r.sections[0]!.items[0]!.focus).toBe('clinician');
    expect(r.sections[0]!.behaviours[0]!.focus).toBe('clinician');
  });

  it('rejects a value that does not match the schema, naming the path', () => {
    expect(() => parseRubric({ ...valid, sections: [] })).toThrow(expect.objectContaining({ code: 'rubric.invalid', message: expect.stringContaining('sections') }));
    expect(() => parseRubric('nope')).toThrow(expect.objectContaining({ code: 'rubric.invalid' }));
  });

  it.each([
    ['a duplicate id', { sections: [{ ...valid.sections[0]!, behaviours: [{ id: 'a', title: 'B', guidance: 'g' }] }], summaryIndicators: [] }, 'duplicate behaviour id "a"'],
    ['an empty scale', { sections: [{ ...valid.sections[0]!, items: [{ id: 'a', title: 'A', guidance: 'g', scale: { min: 3, max: 3, labels: [] } }] }] }, 'scale min 3 must be below max 3'],
    ['a label outside the scale', { sections: [{ ...valid.sections[0]!, items: [{ id: 'a', title: 'A', guidance: 'g', scale: { ...scale, labels: [{ value: 7, label: 'x' }] } }] }] }, 'label 7 is outside 1..5'],
    ['an indicator naming an unknown behaviour', { summaryIndicators: [{ id: 'i', title: 'I', numerator: ['zzz'], denominator: ['b'] }] }, 'unknown behaviour "zzz"'],
    ['a duplicate section id', { sections: [valid.sections[0]!, { id: 's', title: 'S2', behaviours: [{ id: 'c', title: 'C', guidance: 'g' }] }] }, 'duplicate section id "s"'],
    ['an empty section', { sections: [...valid.sections, { id: 'empty', title: 'E' }] }, 'section "empty" has no items or behaviours'],
  ])('rejects %s', (_name, patch, message) => {
    expect(() => parseRubric({ ...valid, ...patch })).toThrow(expect.objectContaining({ code: 'rubric.invalid', message: expect.stringContaining(message) }));
  });
});

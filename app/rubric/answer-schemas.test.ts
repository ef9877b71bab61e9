import { describe, expect, it } from 'vitest';
import type { TranscriptUnit } from '../transcript/units';
import { codingBatchSchema, narrativeSchema, sectionSchema, MAX_EVIDENCE } from './answer-schemas';
import { RubricCoding, RubricSection } from './rubric';

const units: TranscriptUnit[] = [
  { id: 'u1', channel: 0, start: 0, end: 2, text: 'Good morning.' },
  { id: 'u2', channel: 1, start: 2.5, end: 4, text: 'Morning, doctor.' },
  { id: 'u3', channel: 0, start: 4.5, end: 7, text: 'How have things been since we last met?' },
  { id: 'u4', channel: 1, start: 7.5, end: 10, text: 'Busy with work, mostly.' },
  { id: 'u5', channel: 0, start: 10.5, end: 12, text: 'Work has been full on.' },
];
const book = RubricCoding.parse({ unit: 'one unit', codes: ['open_question', 'closed_question', 'reflection', 'other'].map((id) => ({ id, title: id, definition: `def ${id}` })) });
const scale = { min: 1, max: 5, labels: [{ value: 1, label: 'Not done' }, { value: 5, label: 'Done well' }] };
const section = RubricSection.parse({
  id: 'rel',
  title: 'Relationship',
  items: [
    { id: 'empathy', title: 'Empathy', guidance: 'g', scale, focus: 'clinician' },
    { id: 'patient_voice', title: 'Patient voice', guidance: 'g', scale: { min: 0, max: 2, labels: [] }, focus: 'patient' },
    { id: 'rapport', title: 'Rapport', guidance: 'g', scale, focus: 'both' },
  ],
});
type Obj = { properties: Record<string, any>; required: string[]; additionalProperties: boolean }; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading a plain JSON schema

describe('answer schemas', () => {
  it('codes exactly the batch\'s clinician units, each with an enum of the code book', () => {
    const s = codingBatchSchema(book, units.slice(1, 5)) as Obj;
    expect(Object.keys(s.properties)).toEqual(['u3', 'u5']);
    expect(s.required).toEqual(['u3', 'u5']);
    expect(s.additionalProperties).toBe(false);
    for (const v of Object.values(s.properties)) {
      expect(Object.keys(v.properties)).toEqual(['act', 'code']);
      expect(v.properties.code).toEqual({ type: 'string', enum: ['open_question', 'closed_question', 'reflection', 'other'] });
    }
    expect(() => codingBatchSchema(book, [units[1]!])).toThrow(/clinician/);
  });

  it('lets an item cite only the units its focus allows, evidence before rationale before score', () => {
    const s = sectionSchema(section, units) as Obj;
    expect(Object.keys(s.properties)).toEqual(['empathy', 'patient_voice', 'rapport']);
    const empathy = s.properties.empathy as Obj;
    expect(Object.keys(empathy.properties)).toEqual(['evidence', 'rationale', 'score']);
    expect(empathy.properties.evidence).toMatchObject({ type: 'array', minItems: 1, maxItems: MAX_EVIDENCE, items: { enum: ['u1', 'u3', 'u5'] } });
    expect(empathy.properties.score.enum).toEqual([1, 2, 3, 4, 5]);
    expect((s.properties.patient_voice as Obj).properties.evidence.items.enum).toEqual(['u2', 'u4']);
    expect((s.properties.patient_voice as Obj).properties.score.enum).toEqual([0, 1, 2]);
    expect((s.properties.rapport as Obj).properties.evidence.items.enum).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
  });

  it('refuses to build an item schema when the transcript has no unit of its speaker', () => {
    expect(() => sectionSchema(section, units.filter((u) => u.channel === 0))).toThrow(/patient/);
  });

  it('makes every narrative statement cite existing units of either speaker', () => {
    const s = narrativeSchema(units) as Obj;
    expect(Object.keys(s.properties)).toEqual(['summary', 'strengths', 'suggestions']);
    expect(s.properties.summary.properties.evidence.items.enum).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
    expect(s.properties.strengths).toMatchObject({ type: 'array', minItems: 1, maxItems: 3 });
    expect(s.properties.suggestions.items.properties.evidence.items.enum).toHaveLength(5);
  });

  it('limits strengths and suggestions to their pools of units when the codes give some, and ignores ids not in the transcript', () => {
    const s = narrativeSchema(units, { strengths: ['u3', 'u9'], suggestions: [] }) as Obj;
    expect(s.properties.strengths.items.properties.evidence.items.enum).toEqual(['u3']);
    expect(s.properties.suggestions.items.properties.evidence.items.enum).toHaveLength(5);
    expect(s.properties.summary.properties.evidence.items.enum).toHaveLength(5);
  });

  it('lets a code-scored item answer only its score and cite only the units coded for or against it', () => {
    const one = { ...section, items: [section.items[0]!] };
    const s = sectionSchema(one, units, { [one.items[0]!.id]: { score: 2, unitIds: ['u3'] } }) as Obj;
    const item = s.properties[one.items[0]!.id];
    expect(item.properties.score.enum).toEqual([2]);
    expect(item.properties.evidence.items.enum).toEqual(['u3']);
  });
});

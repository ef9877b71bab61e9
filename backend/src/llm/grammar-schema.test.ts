import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { sectionSchema, codingBatchSchema } from '../../../app/rubric/answer-schemas';
import { RubricCoding, RubricSection } from '../../../app/rubric/rubric';
import type { TranscriptUnit } from '../../../app/transcript/units';
import { toGrammarSchema } from './grammar-schema';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are inspected field by field
type Loose = any;

describe('toGrammarSchema', () => {
  it('keeps the structure of a zod schema the AI SDK sends and reports the bounds it cannot enforce', () => {
    const Answer = z.object({ items: z.array(z.object({ score: z.number().int().min(1).max(5), speaker: z.enum(['clinician', 'patient']).describe('Who said it.') })), summary: z.string() });
    const { schema, dropped } = toGrammarSchema(z.toJSONSchema(Answer, { target: 'draft-7', io: 'input' }) as Record<string, unknown>);
    const s = schema as Loose;
    expect(s.$schema).toBeUndefined();
    expect(Object.keys(s.properties)).toEqual(['items', 'summary']);
    const item = s.properties.items.items;
    expect(item.properties.score).toEqual({ type: 'integer' });
    expect(item.properties.speaker).toEqual({ enum: ['clinician', 'patient'], description: 'Who said it.' });
    expect(dropped).toEqual(['maximum', 'minimum']);
  });

  it('keeps the unit-id and score enums of the answer schemas, so the grammar can only cite allowed units', () => {
    const units: TranscriptUnit[] = [
      { id: 'u1', channel: 0, start: 0, end: 1, text: 'How are you?' },
      { id: 'u2', channel: 1, start: 1, end: 2, text: 'Fine.' },
      { id: 'u3', channel: 0, start: 2, end: 3, text: 'Good to hear.' },
    ];
    const section = RubricSection.parse({ id: 's', title: 'S', items: [{ id: 'empathy', title: 'Empathy', guidance: 'g', scale: { min: 1, max: 5, labels: [] } }] });
    const { schema, dropped } = toGrammarSchema(sectionSchema(section, units));
    const item = (schema as Loose).properties.empathy;
    expect(Object.keys(item.properties)).toEqual(['evidence', 'rationale', 'score']);
    expect(item.properties.evidence).toEqual({ type: 'array', items: { enum: ['u1', 'u3'] }, minItems: 1, maxItems: 3 });
    expect(item.properties.score).toEqual({ enum: [1, 2, 3, 4, 5] });
    expect(dropped).toEqual([]);
    const book = RubricCoding.parse({ unit: 'u', codes: [{ id: 'question', title: 'q', definition: 'd' }, { id: 'other', title: 'o', definition: 'd' }] });
    const coding = (toGrammarSchema(codingBatchSchema(book, units)).schema as Loose).properties;
    expect(Object.keys(coding)).toEqual(['u1', 'u3']);
    expect(coding.u3.properties.code).toEqual({ enum: ['question', 'other'] });
  });

  it('turns a nullable field (anyOf with null) into a oneOf the grammar understands', () => {
    const { schema } = toGrammarSchema({ type: 'object', properties: { score: { anyOf: [{ type: 'integer' }, { type: 'null' }] } } });
    expect((schema as Loose).properties.score).toEqual({ oneOf: [{ type: 'integer' }, { type: 'null' }] });
  });

  it('rewrites draft-7 definitions references to $defs', () => {
    const { schema } = toGrammarSchema({ type: 'object', properties: { q: { $ref: '#/definitions/Quote' } }, definitions: { Quote: { type: 'string', maxLength: 200 } } });
    expect(schema).toEqual({ type: 'object', properties: { q: { $ref: '#/$defs/Quote' } }, $defs: { Quote: { type: 'string', maxLength: 200 } } });
  });

  it('lets an object without declared properties hold any keys, as JSON Schema does', () => {
    expect(toGrammarSchema({ type: 'object' }).schema).toEqual({ type: 'object', additionalProperties: true });
    expect(toGrammarSchema({ type: 'object', additionalProperties: { type: 'number' } }).schema).toEqual({ type: 'object', additionalProperties: { type: 'number' } });
  });

  it('refuses what it cannot express with request.invalid', () => {
    expect(() => toGrammarSchema({ allOf: [{ type: 'object' }, { type: 'object' }] })).toThrow(expect.objectContaining({ code: 'request.invalid' }));
    expect(() => toGrammarSchema({ type: 'object', properties: { x: { $ref: 'https://example.org/s.json' } } })).toThrow(expect.objectContaining({ code: 'request.invalid' }));
    expect(() => toGrammarSchema('not a schema')).toThrow(expect.objectContaining({ code: 'request.invalid' }));
  });
});

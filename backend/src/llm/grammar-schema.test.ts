import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ModelAnalysis } from '../../../app/evidence/legacy-analysis';
import { toGrammarSchema } from './grammar-schema';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are inspected field by field
type Loose = any;

describe('toGrammarSchema', () => {
  it('keeps the structure of the analysis schema the AI SDK sends and reports the bounds it cannot enforce', () => {
    const { schema, dropped } = toGrammarSchema(z.toJSONSchema(ModelAnalysis, { target: 'draft-7', io: 'input' }) as Record<string, unknown>);
    const s = schema as Loose;
    expect(s.$schema).toBeUndefined();
    expect(Object.keys(s.properties)).toEqual(['items', 'summary', 'strengths', 'suggestions']);
    const item = s.properties.items.items;
    expect(item.properties.score).toEqual({ type: 'integer' });
    expect(item.properties.evidence.items.properties.speaker).toEqual({ enum: ['clinician', 'patient'], description: 'Who said the quote.' });
    expect(item.additionalProperties).toBeUndefined();
    expect(dropped).toEqual(['maximum', 'minimum']);
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

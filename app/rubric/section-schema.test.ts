import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sectionOutputSchema, sectionOutputToAnalysis } from './section-schema';
import type { RubricSection } from './rubric';

const section = {
  id: 's',
  title: 'S',
  items: [{ id: 'a', title: 'A', guidance: 'g', focus: 'clinician', scale: { min: 1, max: 3, labels: [] } }],
} as unknown as RubricSection;

describe('section output schema', () => {
  it('requires every item once, with a score on its scale', () => {
    const schema = sectionOutputSchema(section);
    const good = { items: { a: { score: 2, rationale: 'r', evidence: [{ quote: 'q', speaker: 'clinician' }] } }, summary: 's', strengths: [], suggestions: [] };
    expect(schema.parse(good)).toEqual(good);
    expect(schema.safeParse({ ...good, items: {} }).success).toBe(false);
    expect(schema.safeParse({ ...good, items: { a: { ...good.items.a, score: 4 } } }).success).toBe(false);
    expect(sectionOutputToAnalysis(schema.parse(good)).items).toEqual([{ itemId: 'a', score: 2, rationale: 'r', evidence: [{ quote: 'q', speaker: 'clinician' }] }]);
  });

  it('gives a JSON schema with the scores as an enum and the item ids as required keys', () => {
    const js = z.toJSONSchema(sectionOutputSchema(section)) as unknown as { properties: { items: { required: string[]; properties: { a: { properties: { score: { enum: number[] } } } } } } };
    expect(js.properties.items.required).toEqual(['a']);
    expect(js.properties.items.properties.a.properties.score.enum).toEqual([1, 2, 3]);
  });
});

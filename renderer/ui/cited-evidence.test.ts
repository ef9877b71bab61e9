import { describe, expect, it } from 'vitest';
import type { VerifiedAnalysis } from '../../app/rubric/analysis';
import { evidenceBlocks, playbackSpan } from './cited-evidence';

const u = (id: string, start: number, end: number, channel: 0 | 1 = 0) => ({ id, channel, start, end, text: `text of ${id}` });
const item = (itemId: string, citations: ReturnType<typeof u>[]) => ({ itemId, title: `Item ${itemId}`, focus: 'clinician', score: 3, scaleMin: 1, scaleMax: 5, scoreLabel: itemId === 'a' ? 'Good' : null, rationale: `why ${itemId}`, citations, rejected: [] });
const analysis = {
  schemaVersion: 2, rubricId: 'r', rubricVersion: '1', model: 'm', units: [u('u1', 0, 2), u('u2', 2, 4, 1), u('u3', 4, 6)], coding: null,
  sections: [
    { status: 'scored', sectionId: 's1', title: 'S1', items: [item('a', [u('u1', 0, 2)]), item('b', [])], attempts: 1 },
    { status: 'failed', sectionId: 's2', title: 'S2', items: [{ itemId: 'c', title: 'C' }], reason: 'x', attempts: 2 },
  ],
  narrative: { status: 'written', summary: { text: 'sum', citations: [], rejected: [] }, strengths: [{ text: 'kept it open', citations: [u('u3', 4, 6)], rejected: [] }], suggestions: [{ text: 'reflect more', citations: [u('u1', 0, 2), u('u3', 4, 6)], rejected: [] }], attempts: 1 },
  stats: { citations: { cited: 0, accepted: 0, unknownUnit: 0, wrongSpeaker: 0 }, codingRejected: 0, calls: 0, retries: 0, promptTokens: 0, completionTokens: 0 },
} as unknown as VerifiedAnalysis;

describe('evidenceBlocks', () => {
  it('lists scored items in rubric order with their score and cited units, then strengths and suggestions; failed sections have none', () => {
    const blocks = evidenceBlocks(analysis);
    expect(blocks.map((b) => [b.key, b.score, b.units.map((x) => x.id)])).toEqual([
      ['item-a', '3 of 5 — Good', ['u1']],
      ['item-b', '3 of 5', []],
      ['strength-0', null, ['u3']],
      ['suggestion-0', null, ['u1', 'u3']],
    ]);
  });

  it('ends with the suggestions from the behaviour counts, kept when the narrative failed', () => {
    const coding = { status: 'coded', codes: [], uncoded: [], counts: [], indicators: [], practice: [{ indicatorId: 'rq', title: 'Reflections per question', value: 0.5, target: '1', text: 'Reflections per question: 0.5.', citations: [u('u2', 2, 4, 1), u('u3', 4, 6)], rejected: [] }] };
    const withPractice = { ...analysis, coding, narrative: { status: 'failed', reason: 'x', attempts: 2 } } as unknown as VerifiedAnalysis;
    expect(evidenceBlocks(withPractice).map((b) => [b.key, b.heading, b.units.map((x) => x.id)])).toEqual([
      ['item-a', 'Item a', ['u1']],
      ['item-b', 'Item b', []],
      ['practice-rq', 'From the behaviour counts · Reflections per question', ['u2', 'u3']],
    ]);
  });

  it('has no narrative blocks when the narrative failed', () => {
    const failed = { ...analysis, narrative: { status: 'failed', reason: 'x', attempts: 2 } } as VerifiedAnalysis;
    expect(evidenceBlocks(failed).map((b) => b.kind)).toEqual(['item', 'item']);
  });
});

describe('playbackSpan', () => {
  it('plays a unit from its start to its end, and one second of a unit without length', () => {
    expect(playbackSpan({ start: 4.2, end: 7.5 })).toEqual({ from: 4.2, to: 7.5 });
    expect(playbackSpan({ start: 3, end: 3 })).toEqual({ from: 3, to: 4 });
  });
});

import { describe, expect, it } from 'vitest';
import type { TranscriptUnit } from '../transcript/units';
import { computeIndicators, countCodes } from './indicators';
import { practicePoints } from './practice-points';
import { RubricCoding } from './rubric';

const book = RubricCoding.parse({
  unit: 'one clinician sentence',
  codes: [
    { id: 'open_question', title: 'Open question', definition: 'd' },
    { id: 'closed_question', title: 'Closed question', definition: 'd' },
    { id: 'simple_reflection', title: 'Simple reflection', definition: 'd' },
    { id: 'complex_reflection', title: 'Complex reflection', definition: 'd' },
    { id: 'confront', title: 'Confront', definition: 'd' },
    { id: 'summary', title: 'Summary', definition: 'd' },
    { id: 'other', title: 'Other', definition: 'd' },
  ],
  indicators: [
    { id: 'rq', title: 'Reflections per question', numerator: ['simple_reflection', 'complex_reflection'], denominator: ['open_question', 'closed_question'], unit: 'ratio', target: '1 or more', definition: 'r ÷ q', goal: { atLeast: 1 }, advice: 'Reflect before the next question.' },
    { id: 'cx', title: '% complex reflections', numerator: ['complex_reflection'], denominator: ['simple_reflection', 'complex_reflection'], unit: 'percent', target: '40 % or more', definition: 'c ÷ r', goal: { atLeast: 40 }, advice: 'Add meaning.' },
    { id: 'bad', title: 'Confrontations', numerator: ['confront'], denominator: [], unit: 'count', target: 'none', definition: 'n', goal: { atMost: 0 }, advice: 'Do not argue.' },
    { id: 'sum', title: 'Summaries', numerator: ['summary'], denominator: [], unit: 'count', target: 'at least one', definition: 'n', goal: { atLeast: 1 }, advice: 'Sum up before closing.' },
    { id: 'nogoal', title: 'Open questions', numerator: ['open_question'], denominator: [], unit: 'count', definition: 'n' },
  ],
});

/** A conversation from [speaker, text, code] lines: 'C' clinician (coded), 'P' patient. */
function conversation(lines: readonly (readonly [string, string, string?])[]) {
  const units: TranscriptUnit[] = lines.map(([who, text], i) => ({ id: `u${i + 1}`, channel: who === 'C' ? 0 : 1, start: i * 5, end: i * 5 + 4, text }));
  const unitCodes = Object.fromEntries(lines.flatMap(([who, , code], i) => (who === 'C' ? [[`u${i + 1}`, code ?? 'other']] : [])));
  const counts = countCodes(book, Object.entries(unitCodes).map(([unitId, code]) => ({ unitId, code })));
  return practicePoints(book, computeIndicators(book, counts), units, unitCodes);
}

// Questions one after another, one confrontation, no summary: reflections per question 1 ÷ 4.
const poor = [
  ['C', 'How have you been?', 'open_question'],
  ['P', 'Tired, the new job means long shifts and I barely sleep before the early ones.'],
  ['C', 'Are you taking the tablets?', 'closed_question'],
  ['P', 'Mostly.'],
  ['C', 'Mostly.', 'simple_reflection'],
  ['P', 'I forget them on the night shifts, the packet stays in the kitchen and I am out by six.'],
  ['C', 'What time do you leave?', 'open_question'],
  ['C', 'You really have to take them every day or this will get worse.', 'confront'],
  ['P', 'I know.'],
  ['C', 'Any questions?', 'closed_question'],
] as const;

// Each patient turn reflected, the reflections adding meaning, a summary at the end.
const good = [
  ['C', 'How have you been?', 'open_question'],
  ['P', 'Tired, the new job means long shifts and I barely sleep before the early ones.'],
  ['C', 'The shifts are taking more out of you than you expected.', 'complex_reflection'],
  ['P', 'Yes, and I forget the tablets on the night shifts.'],
  ['C', 'The nights are when the routine falls apart.', 'complex_reflection'],
  ['C', 'What might help you remember them?', 'open_question'],
  ['P', 'Maybe keeping a packet in my work bag.'],
  ['C', 'A packet in the bag, so they travel with you.', 'simple_reflection'],
  ['C', 'So: long shifts, nights are the hard part, and a packet in the bag is your plan.', 'summary'],
] as const;

describe('practicePoints: suggestions from the behaviour counts', () => {
  it('names each indicator that missed its goal, with value, target and the rubric’s advice', () => {
    const points = conversation(poor);
    // One simple reflection and no complex one: % complex reflections 0 misses 40 too.
    expect(points.map((p) => p.indicatorId)).toEqual(['rq', 'cx', 'bad', 'sum']);
    expect(points[0]!.text).toMatch(/^Reflections per question: 0\.25 \(target: 1 or more\)\. Reflect before the next question\./);
    expect(points[0]!.value).toBe(0.25);
  });

  it('shows the questions that came straight after the patient’s longest turns, each with that turn, in time order', () => {
    const rq = conversation(poor)[0]!;
    // u3 follows the 15-word turn u2, u7 the 18-word turn u6; u10 follows "I know." and u1 nothing the patient said.
    expect(rq.citations.map((u) => u.id)).toEqual(['u2', 'u3', 'u6', 'u7']);
    expect(rq.text).toContain('Shown: 2 of the 4 units coded open question or closed question, those that came straight after the patient’s longest turns.');
  });

  it('shows the units a too-high count is made of, and nothing for a count that is too low', () => {
    const [, cx, bad, sum] = conversation(poor);
    expect(cx!.citations.map((u) => u.id)).toEqual(['u4', 'u5']);
    expect(bad!.citations.map((u) => u.id)).toEqual(['u8']);
    expect(bad!.text).toContain('Shown: the one unit coded confront.');
    expect(sum!.citations).toEqual([]);
    expect(sum!.text).toBe('Summaries: 0 (target: at least one). Sum up before closing.');
  });

  it('has nothing to suggest for the conversation that meets every goal (the contrast case)', () => {
    expect(conversation(good)).toEqual([]);
  });

  it('never suggests from an indicator without a value, goal or advice', () => {
    // No reflections at all: % complex reflections has no value (0 ÷ 0), so it says nothing.
    const points = conversation([['C', 'How are you?', 'open_question'], ['P', 'Fine.'], ['C', 'Good.', 'summary']]);
    expect(points.map((p) => p.indicatorId)).toEqual(['rq']);
  });

  it('refuses a goal with neither bound', () => {
    expect(() => RubricCoding.parse({ ...book, indicators: [{ ...book.indicators[0]!, goal: {} }] })).toThrow(/atLeast or atMost/);
  });
});

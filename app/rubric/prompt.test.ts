import { describe, expect, it } from 'vitest';
import type { Segment, Transcript } from '../transcript/transcript';
import { Rubric, rubricItems } from './rubric';
import { buildAnalysisPrompt, renderTranscript, splitRubricForCalls } from './prompt';

const seg = (channel: 0 | 1, start: number, end: number, text: string): Segment => ({ channel, start, end, text, words: [] });
const transcript: Transcript = {
  segments: [
    seg(0, 0.4, 3, 'Hello, what brings you in today?'),
    seg(1, 3.5, 6, 'I have had headaches.'),
    seg(1, 6.5, 9, 'Mostly in the mornings.'),
    seg(0, 9.5, 12, 'Tell me more.'),
    seg(0, 20, 22, 'Sorry, where were we?'),
    seg(1, 75.2, 80, ' '),
    seg(1, 3725.9, 3727, 'Thank you.'),
  ],
  language: 'en',
  durationSec: 3727,
  engine: { name: 'test', model: 'test' },
};

const scale = { min: 1, max: 5, labels: [{ value: 5, label: 'excellent' }, { value: 1, label: 'poor' }] };
const rubric = Rubric.parse({
  id: 'r', version: '1', title: 'Test rubric', description: 'd', attribution: 'a',
  sections: [
    { id: 'opening', title: 'Opening', items: [{ id: 'greeting', title: 'Greeting', guidance: 'Greets the patient.', scale }] },
    {
      id: 'counts', title: 'Counts',
      items: [
        { id: 'tone', title: 'Tone', guidance: 'Warm tone.', scale, focus: 'both' },
        ...['q1', 'q2', 'q3', 'q4', 'q5'].map((id) => ({ id, title: id.toUpperCase(), guidance: `Find ${id}.`, scale })),
      ],
    },
  ],
});

describe('renderTranscript', () => {
  it('renders one [mm:ss] SPEAKER line per stretch, joining close segments of one speaker', () => {
    expect(renderTranscript(transcript)).toBe(
      [
        '[00:00] CLINICIAN: Hello, what brings you in today?',
        '[00:03] PATIENT: I have had headaches. Mostly in the mornings.',
        '[00:09] CLINICIAN: Tell me more.',
        '[00:20] CLINICIAN: Sorry, where were we?',
        '[62:05] PATIENT: Thank you.',
      ].join('\n'),
    );
  });
});

describe('buildAnalysisPrompt', () => {
  it('lists the items with their scale, then the transcript and the answer shape', () => {
    const p = buildAnalysisPrompt(rubric, transcript, { section: 'opening', participants: { clinician: 'Dr Lee', patient: 'Sam' } });
    expect(p.system).toContain('copied word for word');
    expect(p.system).toContain('Use only the item ids listed');
    expect(p.user).toBe(
      [
        'Rubric: Test rubric — Opening',
        'Items to score:\n- greeting: Greeting. Score 1 to 5 (1 = poor; 5 = excellent). Greets the patient.',
        'The CLINICIAN is Dr Lee. The PATIENT is Sam.',
        `Transcript:\n${renderTranscript(transcript)}`,
        'Answer in this JSON shape:\n{"items":[{"itemId":"greeting","score":1,"rationale":"one sentence","evidence":[{"quote":"exact words","speaker":"clinician"}]}],"summary":"two sentences","strengths":["one strength"],"suggestions":["one suggestion"]}',
      ].join('\n\n'),
    );
  });

  it('covers the whole rubric when no section is given', () => {
    const p = buildAnalysisPrompt(rubric, transcript);
    for (const id of rubricItems(rubric).map((x) => x.id)) expect(p.user).toContain(`- ${id}: `);
    expect(p.user).not.toContain('The CLINICIAN is');
  });

  it('accepts the id of a split section and refuses an unknown one', () => {
    const p = buildAnalysisPrompt(rubric, transcript, { section: 'counts.part2' });
    expect(p.user).toContain('Rubric: Test rubric — Counts (2/2)');
    expect(p.user).toContain('- q4: ');
    expect(p.user).not.toContain('- q2: ');
    expect(() => buildAnalysisPrompt(rubric, transcript, { section: 'nope' })).toThrow(expect.objectContaining({ code: 'rubric.not_found' }));
  });
});

describe('splitRubricForCalls', () => {
  it('keeps small sections and cuts large ones into parts of at most the limit, losing nothing', () => {
    const parts = splitRubricForCalls(rubric);
    expect(parts.map((p) => [p.id, p.items.length])).toEqual([['opening', 1], ['counts.part1', 4], ['counts.part2', 2]]);
    expect(parts[0]).toBe(rubric.sections[0]);
    const ids = parts.flatMap((p) => p.items.map((x) => x.id));
    expect(ids.sort()).toEqual(rubricItems(rubric).map((x) => x.id).sort());
    expect(splitRubricForCalls(rubric, { maxPerCall: 2 }).map((p) => p.id)).toEqual(['opening', 'counts.part1', 'counts.part2', 'counts.part3']);
  });
});

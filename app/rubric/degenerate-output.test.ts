import { describe, expect, it } from 'vitest';
import { checkNarrativeAnswer, checkRubricScores, checkSectionAnswer, checkText, dropRepeatedPoints, inventedQuote } from './degenerate-output';
import type { NarrativeAnswer, SectionAnswer } from './model-output';
import { RubricSection } from './rubric';
import { SYSTEM_PROMPT } from './unit-prompt';

const scale = { min: 1, max: 5, labels: [] };
const change = RubricSection.parse({ id: 'change', title: 'Change', items: [{ id: 'cultivating', title: 'Cultivating change talk', guidance: 'How much the clinician draws out and strengthens the patient\'s own reasons, wishes, ability and commitment to change.', scale }, { id: 'softening', title: 'Softening sustain talk', guidance: 'g', scale }] });
const relational = RubricSection.parse({ id: 'rel', title: 'Relationship', items: [{ id: 'partnership', title: 'Partnership', guidance: 'g', scale }, { id: 'empathy', title: 'Empathy', guidance: 'g', scale }] });
const instructions = `${SYSTEM_PROMPT}\n${change.items[0]!.guidance}`;
const item = (rationale: string, score = 3, evidence = ['u3']) => ({ evidence, rationale, score });

// Recorded from the embedded base Gemma 3 270M (issue 9) and the first Qwen runs.
const RECORDED_NARRATIVE: NarrativeAnswer = {
  summary: { text: 'two sentences two sentences open_question two sentences', evidence: ['u1'] },
  strengths: Array.from({ length: 6 }, () => ({ text: 'one strength', evidence: ['u3'] })),
  suggestions: [{ text: 'one suggestion', evidence: ['u5'] }],
};

describe('degenerate-output detector', () => {
  it('flags the recorded summary "two sentences two sentences open_question two sentences"', () => {
    expect(checkNarrativeAnswer(RECORDED_NARRATIVE)).toMatchObject({ kind: 'placeholder', reason: expect.stringContaining('two sentences') });
  });

  it('flags "one strength" given six times, even behind a good summary', () => {
    const answer = { ...RECORDED_NARRATIVE, summary: { text: 'A follow-up about blood pressure in which the clinician asked about walking and agreed a plan.', evidence: ['u1'] } };
    expect(checkNarrativeAnswer(answer)).toMatchObject({ kind: 'placeholder', reason: expect.stringContaining('one strength') });
    const repeated = { ...answer, strengths: Array.from({ length: 3 }, () => ({ text: 'You asked about his walks and listened to the answer.', evidence: ['u3'] })), suggestions: [{ text: 'Ask what might get in the way of the lunch walks before agreeing the plan.', evidence: ['u9'] }] };
    expect(checkNarrativeAnswer(repeated)).toMatchObject({ kind: 'duplicate_points' });
  });

  it('flags a strength repeated as a suggestion', () => {
    const answer: NarrativeAnswer = {
      summary: { text: 'A review of blood pressure where the clinician explored the patient\'s routine.', evidence: ['u1'] },
      strengths: [{ text: 'You reflected his worry about his father\'s stroke.', evidence: ['u5'] }],
      suggestions: [{ text: 'You reflected his worry about his father\'s stroke!', evidence: ['u5'] }],
    };
    expect(checkNarrativeAnswer(answer)?.reason).toMatch(/strength was repeated as a suggestion/);
  });

  it('drops repeated points before the check, keeping the distinct ones, and fails only when a list is left empty', () => {
    const summary = { text: 'A review of blood pressure where the clinician explored the patient\'s routine.', evidence: ['u1'] };
    const walks = { text: 'You asked how the evening walks went and let him tell the story.', evidence: ['u16'] };
    const answer: NarrativeAnswer = {
      summary,
      strengths: [walks, { ...walks, text: `${walks.text}` }, { text: 'Summarising the plan at the end let him correct it.', evidence: ['u39'] }],
      suggestions: [{ text: 'Before offering ideas, ask what he has already thought of for the salt.', evidence: ['u26'] }, { text: 'Summarising the plan at the end let him correct it!', evidence: ['u39'] }],
    };
    const { answer: kept, dropped } = dropRepeatedPoints(answer);
    // The second copy of the walks strength goes; the summary point given both ways goes from both lists.
    expect(kept.strengths.map((p) => p.evidence)).toEqual([['u16']]);
    expect(kept.suggestions.map((p) => p.evidence)).toEqual([['u26']]);
    expect(dropped).toBe(3);
    expect(checkNarrativeAnswer(kept)).toBeNull();
    // Only contradictions: nothing left to show as a strength, so the narrative fails.
    const onlyBoth: NarrativeAnswer = { summary, strengths: [walks], suggestions: [{ ...walks, text: `${walks.text}!` }] };
    expect(checkNarrativeAnswer(dropRepeatedPoints(onlyBoth).answer)).toMatchObject({ kind: 'empty', reason: expect.stringContaining('no strengths') });
    // Two strengths in other words on exactly the same units (recorded from the 1.5B model on the sample): the second goes.
    const sameUnits: NarrativeAnswer = {
      summary,
      strengths: [
        { text: 'The clinician provided complex reflections to help Daniel understand the different options available to him.', evidence: ['u23', 'u26'] },
        { text: 'The clinician used simple reflections to help Daniel understand the different options available to him.', evidence: ['u26', 'u23'] },
        { text: 'You asked how the evening walks went.', evidence: ['u23'] },
      ],
      suggestions: [walks],
    };
    expect(dropRepeatedPoints(sameUnits).answer.strengths.map((p) => p.evidence)).toEqual([['u23', 'u26'], ['u23']]);
    // Junk is not repaired: "one strength" six times is still placeholder text.
    expect(checkNarrativeAnswer(dropRepeatedPoints(RECORDED_NARRATIVE).answer)).toMatchObject({ kind: 'placeholder' });
  });

  it('flags repetition loops', () => {
    expect(checkText("I'm a partner in a partnership I'm a partner in a partnership I'm a partner in a partnership", 'rationale')).toMatchObject({ kind: 'repetition' });
    expect(checkText('The clinician asked asked asked asked about the walks.', 'rationale')).toMatchObject({ kind: 'repetition' });
    expect(checkText('good good good good good good good good good good good good good', 'summary')).toMatchObject({ kind: 'repetition' });
  });

  it('flags empty and schema-word answers', () => {
    expect(checkText('', 'rationale')).toMatchObject({ kind: 'empty' });
    expect(checkText('  rationale ', 'rationale')).toMatchObject({ kind: 'empty' });
    expect(checkText('Good.', 'rationale')).toMatchObject({ kind: 'empty' });
  });

  it('flags text copied from the instructions or the guidance, not a paraphrase of it', () => {
    expect(checkText('Judge only from what was said in the transcript. Do not assume anything that was not said.', 'summary', { instructions })).toMatchObject({ kind: 'copied_instructions' });
    expect(checkText("How much the clinician draws out and strengthens the patient's own reasons, wishes, ability", 'rationale', { instructions })).toMatchObject({ kind: 'copied_instructions' });
    expect(checkText("You drew out the patient's own reasons to change when you asked what worried him about his father's stroke.", 'rationale', { instructions })).toBeNull();
  });

  it('flags identical rationales within a section', () => {
    const answer: SectionAnswer = { cultivating: item('The clinician asked open questions about the walks.'), softening: item('The clinician asked open questions about the walks.', 2) };
    expect(checkSectionAnswer(answer, change)).toMatchObject({ kind: 'identical_rationales' });
  });

  it('accepts a real answer: specific rationales, the same score on both items, a shared citation', () => {
    const answer: SectionAnswer = {
      cultivating: item("You asked what he made of his reading and reflected his worry about his father's stroke, which drew out his own reason to change.", 4, ['u8', 'u10']),
      softening: item('When he said there was no time, you did not argue and turned to what had worked before.', 4, ['u10', 'u11']),
    };
    expect(checkSectionAnswer(answer, change, { instructions })).toBeNull();
  });

  it('flags a rubric scored 1/5 throughout with the same citations, but not a poor consultation scored 1 item by item', () => {
    const allOnes = (r: (t: string) => string, ev: (k: number) => string[]): { section: RubricSection; answer: SectionAnswer }[] => [
      { section: change, answer: { cultivating: item(r('change talk'), 1, ev(0)), softening: item(r('sustain talk'), 1, ev(1)) } },
      { section: relational, answer: { partnership: item(r('partnership'), 1, ev(2)), empathy: item(r('empathy'), 1, ev(3)) } },
    ];
    expect(checkRubricScores(allOnes((t) => `Nothing showed ${t} in this part.`, () => ['u1']))).toMatchObject({ kind: 'uniform_scores', reason: expect.stringContaining('scored 1') });
    const reasons: Record<string, string> = {
      'change talk': 'You listed what he must change and never asked about his own reasons.',
      'sustain talk': 'When he said he had no time, you argued that he had to find it.',
      partnership: 'You set the plan alone; his ideas were not asked for.',
      empathy: 'His worry about his father went unanswered while you moved on to the tablets.',
    };
    const poor = allOnes((t) => reasons[t]!, (k) => [`u${k * 2 + 1}`]);
    expect(checkRubricScores(poor)).toBeNull();
    const generic = allOnes(() => 'The clinician did not do this.', (k) => [`u${k * 2 + 1}`]);
    expect(checkRubricScores(generic)).toMatchObject({ kind: 'uniform_scores', reason: expect.stringContaining('same rationale') });
  });

  it('accepts specific feedback', () => {
    const good: NarrativeAnswer = {
      summary: { text: 'A blood-pressure follow-up: you asked about his walking, reflected his worry about his father and agreed short lunchtime walks.', evidence: ['u1', 'u10'] },
      strengths: [
        { text: 'You asked permission before sharing ideas, then let him choose.', evidence: ['u16', 'u19'] },
        { text: 'Your closing summary drew together medication, worry and the new plan.', evidence: ['u23'] },
      ],
      suggestions: [{ text: 'When he said he could not fit it in, reflect both sides before moving on to the walks.', evidence: ['u9'] }],
    };
    expect(checkNarrativeAnswer(good, { instructions })).toBeNull();
  });
});

describe('quotes checked against the transcript', () => {
  const said = ['What do you make of that?', "I know I should do more, it's just the kids."];
  it('finds a quote nobody said, and accepts quotes that differ from the words only in case and punctuation', () => {
    expect(inventedQuote("The clinician asked 'What do you mean by that?' early on.", said)).toBe('What do you mean by that?');
    expect(inventedQuote('The clinician asked “what do you make of that” and waited.', said)).toBeNull();
    expect(inventedQuote('The patient said "it\'s just the kids".', said)).toBeNull();
    // An apostrophe inside a word opens no quote; a one-word quote is not checked.
    expect(inventedQuote("The patient's worry about the 'kids' was heard.", said)).toBeNull();
  });

  it("matches a participant's name in any of its forms, as the gateway restores a redacted name in full", () => {
    const greeting = ['Good morning Daniel.', 'Thanks, Dr. Okafor.'];
    const names = ['Dr. Maya Okafor', 'Daniel Reyes'];
    expect(inventedQuote('The clinician opened with "Good morning Daniel Reyes."', greeting, names)).toBeNull();
    expect(inventedQuote('The patient said "Thanks, Maya Okafor".', greeting, names)).toBeNull();
    // Without the names the restored full name reads as words nobody said; a wrong word still fails.
    expect(inventedQuote('The clinician opened with "Good morning Daniel Reyes."', greeting)).toBe('Good morning Daniel Reyes.');
    expect(inventedQuote('The clinician opened with "Good evening Daniel Reyes."', greeting, names)).toBe('Good evening Daniel Reyes.');
  });

  it('refuses a rationale or a strength with an invented quote, but not a suggestion proposing words', () => {
    const section = relational;
    const answer: SectionAnswer = { empathy: { evidence: ['u1'], rationale: "The clinician asked 'How are the walks going for you?' and listened.", score: 4 } };
    expect(checkSectionAnswer(answer, section, { quotable: said })).toMatchObject({ kind: 'invented_quote' });
    expect(checkSectionAnswer(answer, section)).toBeNull();
    const narrative = (strength: string): NarrativeAnswer => ({
      summary: { text: 'The patient talked about fitting exercise around the kids.', evidence: ['u2'] },
      strengths: [{ text: strength, evidence: ['u1'] }],
      suggestions: [{ text: "The clinician could have reflected instead: 'So time is the real barrier.'", evidence: ['u1'] }],
    });
    expect(checkNarrativeAnswer(narrative("Asking 'what do you make of that' invited the patient's view."), { quotable: said })).toBeNull();
    expect(checkNarrativeAnswer(narrative("Asking 'what is your plan now' invited the patient's view."), { quotable: said })).toMatchObject({ kind: 'invented_quote', reason: expect.stringContaining('strength') });
  });
});

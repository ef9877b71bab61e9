import { describe, expect, it } from 'vitest';
import { checkNarrativeAnswer } from './degenerate-output';
import { checkRationale, dropUngroundedStrengths, dropUngroundedSuggestions, groundingContext, namedCodes, NOT_ABOUT_ITS_MOMENTS, sharedContent, stem, unsupportedCodes, type GroundingContext } from './grounding';
import type { RubricCode } from './rubric';

const codes: RubricCode[] = [
  { id: 'open_question', title: 'Open question', definition: 'invites a long answer' },
  { id: 'closed_question', title: 'Closed question', definition: 'invites yes or no' },
  { id: 'simple_reflection', title: 'Simple reflection', definition: 'says back what was said' },
  { id: 'complex_reflection', title: 'Complex reflection', definition: 'adds meaning to what was said' },
  { id: 'persuade', title: 'Persuade', definition: 'argues for change' },
  { id: 'persuade_with_permission', title: 'Persuade with permission', definition: 'argues after asking' },
  { id: 'other', title: 'Other', definition: 'small talk' },
];
const g: GroundingContext = {
  unitText: new Map([
    ['u3', 'What worries you most about the coughing at night?'],
    ['u7', "So you'd like to stop smoking before the wedding, and at the same time the evenings are hard."],
    ['u9', 'Would it be all right if I told you what helps others?'],
  ]),
  unitCodes: { u3: 'open_question', u7: 'complex_reflection', u9: 'persuade_with_permission' },
  codes,
};
const item = {
  title: 'Softening sustain talk',
  guidance: "Lets the patient's arguments for keeping things as they are pass without amplifying them.",
  scale: { min: 1, max: 5, labels: [{ value: 1, label: 'feeds sustain talk' }, { value: 5, label: 'consistently turns toward change' }] },
  codeGuide: { for: ['complex_reflection'], against: ['persuade'] },
};

describe('grounding of feedback in the cited units', () => {
  it('stems words so inflections meet', () => {
    expect(stem('smoking')).toBe(stem('smoke'));
    expect(stem('coughing')).toBe(stem('cough'));
    expect(stem("patient's")).toBe(stem('patient'));
  });

  it('finds the content a rationale shares with what was said, leaving out generic and rubric words', () => {
    expect(sharedContent('You reflected his wish to stop smoking before the wedding.', [g.unitText.get('u7')!])).toEqual(expect.arrayContaining([stem('smoking'), stem('wedding')]));
    expect(sharedContent('The clinician asked the patient what they think.', [g.unitText.get('u3')!])).toEqual([]);
    expect(sharedContent('It keeps things as they are.', ['keeping things as they are'], 'keeping things as they are')).toEqual([]);
  });

  it('refuses a rationale that restates the rubric (recorded from the demo), as final for a code-scored item', () => {
    const restated = "The clinician consistently lets the patient's arguments for keeping things as they are pass without amplifying them.";
    expect(checkRationale(restated, ['u7'], item, g)).toMatchObject({ kind: 'not_grounded', final: true });
    expect(checkRationale('You linked quitting smoking to the wedding and named how hard the evenings are.', ['u7'], item, g)).toBeNull();
    // Not code-scored: refused, but retried.
    expect(checkRationale(restated, ['u7'], { ...item, codeGuide: undefined }, g)).toMatchObject({ kind: 'not_grounded', final: false });
  });

  it('refuses a rationale that names a behaviour none of its units was coded with', () => {
    expect(namedCodes('used complex reflections and an open question', codes).map((c) => c.id)).toEqual(['open_question', 'complex_reflection']);
    expect(unsupportedCodes('You used complex reflections about the coughing.', ['u3'], g.unitCodes!, codes)?.map((c) => c.id)).toEqual(['complex_reflection']);
    expect(checkRationale('You used complex reflections about the coughing at night.', ['u3'], item, g)).toMatchObject({ kind: 'unsupported_code' });
    // A code and its opposite named together is fine when one of them is cited.
    expect(unsupportedCodes('An open question rather than a closed question about the coughing.', ['u3'], g.unitCodes!, codes)).toBeNull();
    // "persuade" is met by Persuade with permission.
    expect(unsupportedCodes('You tried to persuade her about what helps others.', ['u9'], g.unitCodes!, codes)).toBeNull();
    expect(unsupportedCodes('Nothing about codes here.', ['u9'], g.unitCodes!, codes)).toBeNull();
  });

  it('drops strengths that name a behaviour their units do not show or mention nothing said there (recorded answers)', () => {
    const out = dropUngroundedStrengths(
      {
        summary: { text: 'About the cough and smoking.', evidence: ['u3'] },
        strengths: [
          { text: 'The clinician used complex reflections to gather information about the cough.', evidence: ['u3'] },
          { text: 'The clinician used affirmations to show appreciation, which helped the patient feel valued.', evidence: ['u7'] },
          { text: 'You linked stopping smoking to the wedding.', evidence: ['u7'] },
        ],
        suggestions: [{ text: 'Reflect the worry about the cough before asking more.', evidence: ['u3'] }],
      },
      g,
    );
    expect(out.dropped).toBe(2);
    expect(out.answer.strengths.map((s) => s.text)).toEqual(['You linked stopping smoking to the wedding.']);
    expect(out.answer.suggestions).toHaveLength(1);
    // Plain but not false: kept when no grounded strength is left to show instead.
    const plain = { text: 'You gave clear information in plain words.', evidence: ['u9'] };
    expect(dropUngroundedStrengths({ summary: { text: 'x y z', evidence: [] }, strengths: [plain], suggestions: [] }, g).answer.strengths).toEqual([plain]);
  });

  describe('suggestions about their moments', () => {
    // The demo's transcript around the suggestion it got wrong (re-voiced sample, words as recognised).
    const demo = groundingContext(
      [
        { id: 'u12', text: "I mean, I know I should be doing more, my dad had a stroke when he was about my age, so it's always in the back of my mind, but between the kids and the job," },
        { id: 'u14', text: 'So your father\'s stroke is something you think about and at the same time, your days are already full.' },
        { id: 'u19', text: "Well, it didn't last, though, then it started raining and I sort of stopped." },
        { id: 'u20', text: 'What got in the way?' },
        { id: 'u23', text: 'go ahead' },
        { id: 'u24', text: 'Some people find that shorter walks fit in more easily, like a few minutes at lunch.' },
      ],
      undefined,
      codes,
    );
    const narrative = (suggestions: { text: string; evidence: string[] }[]) => ({ summary: { text: 'About walking and blood pressure.', evidence: ['u12'] }, strengths: [{ text: 'You reflected the stroke worry.', evidence: ['u14'] }], suggestions });
    const recorded = { text: "The clinician could have asked the patient if they had any concerns about their father's stroke or their days being already full, which would have helped the patient feel heard and understood.", evidence: ['u24'] };

    it('takes out the recorded demo suggestion (about the stroke, citing the lunch walks) and keeps it with the reason', () => {
      const out = dropUngroundedSuggestions(narrative([recorded]), demo);
      expect(out.suggestions).toEqual([]);
      expect(out.leftOut).toEqual([{ ...recorded, why: NOT_ABOUT_ITS_MOMENTS }]);
      // Nothing to show from the model is then not a failure: the reader is told why.
      expect(checkNarrativeAnswer(out)).toBeNull();
      expect(checkNarrativeAnswer({ ...out, leftOut: [] })).toMatchObject({ kind: 'empty' });
    });

    it('keeps a suggestion about what the clinician said there, or what the patient had just said', () => {
      const aboutClinician = { text: 'Offer the lunch walks as one idea among several.', evidence: ['u24'] };
      const aboutPatient = { text: 'Reflect that the rain stopped the routine before asking about it.', evidence: ['u20'] };
      const out = dropUngroundedSuggestions(narrative([aboutClinician, aboutPatient, recorded]), demo);
      expect(out.suggestions).toEqual([aboutClinician, aboutPatient]);
      expect(out.leftOut?.map((p) => p.text)).toEqual([recorded.text]);
    });

    it('leaves a suggestion citing no known unit to the citation check, and an answer with none left out unchanged', () => {
      const unknown = { text: 'Something else entirely.', evidence: ['u99'] };
      const answer = narrative([unknown]);
      expect(dropUngroundedSuggestions(answer, demo)).toBe(answer);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { dropCopiedSentences, repairNarrativeAnswer, repairSectionAnswer, sentencesOf, trimToSentence } from './answer-repair';
import { checkNarrativeAnswer, checkSectionAnswer } from './degenerate-output';
import { RubricSection } from './rubric';
import { SYSTEM_PROMPT } from './unit-prompt';

const GUIDANCE = "The clinician consistently invites and builds on the patient's words in favour of change, for example by asking about them and reflecting them back.";
const instructions = `${SYSTEM_PROMPT}\nWhat to look for: ${GUIDANCE}`;
const scale = { min: 1, max: 5, labels: [] };
const section = RubricSection.parse({ id: 'change', title: 'Change', items: [{ id: 'cultivating', title: 'Cultivating change talk', guidance: GUIDANCE, scale }, { id: 'softening', title: 'Softening sustain talk', guidance: 'g', scale }] });

describe('answer repair', () => {
  it('splits sentences at a mark followed by space only', () => {
    expect(sentencesOf('She takes 1.5 puffs. In u12. the nurse asked? Yes!')).toEqual(['She takes 1.5 puffs.', 'In u12.', 'the nurse asked?', 'Yes!']);
  });

  it('cuts text the length limit broke off back to its last full sentence (recorded from the 1.5B model)', () => {
    const cut = "The clinician used complex reflections to help the patient understand the differences between the inhalers and how they work. The clinician's use of the ";
    expect(trimToSentence(cut)).toBe('The clinician used complex reflections to help the patient understand the differences between the inhalers and how they work.');
    expect(trimToSentence('Ben gave practical tips on how to use the brown inhaler')).toBe('Ben gave practical tips on how to use the brown inhaler…');
    expect(trimToSentence('Complete already.')).toBe('Complete already.');
  });

  it('removes a sentence that restates the guidance and keeps the one about this conversation', () => {
    const recorded = `${GUIDANCE.replace('for example by', 'for example by')} This is evident in units 23, 25, and 27, where the clinician asks about the patient's reasons for using the blue inhaler.`;
    expect(dropCopiedSentences(recorded, instructions)).toBe("This is evident in units 23, 25, and 27, where the clinician asks about the patient's reasons for using the blue inhaler.");
    // Nothing but the copy: left as it is, so the detector still refuses it.
    expect(dropCopiedSentences(GUIDANCE, instructions)).toBe(GUIDANCE);
    const answer = { cultivating: { evidence: ['u23'], rationale: GUIDANCE, score: 5 }, softening: { evidence: ['u25'], rationale: 'You let her doubts about the brown inhaler pass and moved to what she wants.', score: 4 } };
    expect(checkSectionAnswer(repairSectionAnswer(answer, { instructions }), section, { instructions })).toMatchObject({ kind: 'copied_instructions' });
  });

  it('repairs a recorded narrative whose points were cut off and repeated, and the result passes the check', () => {
    const cut = (t: string) => `${t} The clinician could have used `;
    const answer = {
      summary: { text: 'A review of asthma in which the clinician explained the blue and brown inhalers and agreed a plan to use the brown one every morning.', evidence: ['u24'] },
      strengths: [{ text: "The clinician used open questions to encourage the patient to share her worry about weight. The clinician's use of the ", evidence: ['u24'] }],
      suggestions: [
        { text: cut('The clinician could have asked how confident she felt about the morning routine.'), evidence: ['u40'] },
        { text: cut('The clinician could have asked how confident she felt about the morning routine.'), evidence: ['u40'] },
      ],
    };
    const repaired = repairNarrativeAnswer(answer, { instructions });
    expect(repaired.strengths.map((p) => p.text)).toEqual(['The clinician used open questions to encourage the patient to share her worry about weight.']);
    expect(repaired.suggestions.map((p) => p.text)).toEqual(['The clinician could have asked how confident she felt about the morning routine.']);
    expect(checkNarrativeAnswer(repaired, { instructions })).toBeNull();
    // A strength cut off mid-sentence (recorded from the demo) goes when a whole one remains; alone, it stays with its ellipsis.
    const cutStrength = { text: 'The clinician gave the patient information about their blood pressure and a', evidence: ['u33'] };
    expect(repairNarrativeAnswer({ ...answer, strengths: [...answer.strengths, cutStrength] }, { instructions }).strengths.map((p) => p.text)).toEqual(['The clinician used open questions to encourage the patient to share her worry about weight.']);
    expect(repairNarrativeAnswer({ ...answer, strengths: [cutStrength] }, { instructions }).strengths.map((p) => p.text)).toEqual(['The clinician gave the patient information about their blood pressure and a…']);
    // `leftOut` is the analysis's to set: a model that sends one (to excuse an empty list) loses it.
    const claimed = repairNarrativeAnswer({ ...answer, suggestions: [], leftOut: [{ text: 'x', evidence: [], why: 'y' }] }, { instructions });
    expect(claimed.leftOut).toBeUndefined();
    expect(checkNarrativeAnswer(claimed, { instructions })).toMatchObject({ kind: 'empty' });
  });
});

// A realistic VerifiedAnalysis of the bundled sample session (resources/sample-session, MI rubric),
// hand-written, for anything that consumes one (the PDF report, the API, the UI) while the real
// pipeline runs elsewhere. The units come from the session's ground-truth script through the real
// splitter, the codes and answers are written by hand, and the analysis is put together by the real
// assembler, so ids, speakers, times, counts and indicators agree by construction.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assembleAnalysis } from '../../../app/rubric/assemble-analysis';
import type { VerifiedAnalysis } from '../../../app/rubric/analysis';
import { codeOnlyRationale, codeScore } from '../../../app/rubric/code-score';
import type { CodingAnswer, NarrativeAnswer, SectionAnswer } from '../../../app/rubric/model-output';
import { parseRubric } from '../../../app/rubric/parse-rubric';
import type { Rubric } from '../../../app/rubric/rubric';
import type { Transcript } from '../../../app/transcript/transcript';
import { splitIntoUnits, type TranscriptUnit } from '../../../app/transcript/units';
import { resourcesDir } from '../paths';
import { groundTruthTranscript } from './ground-truth-transcript';

export const SAMPLE_MODEL = 'qwen2.5-coder-1.5b-instruct-q4_k_m';

/** Each clinician unit of the sample (by its exact words) and the MI code a careful coder would give it. */
export const SAMPLE_CODES: readonly (readonly [string, string])[] = [
  ['Good morning, Daniel.', 'other'],
  ['Thanks for coming back in.', 'other'],
  ['How have things been since we last saw each other?', 'open_question'],
  ['Busy with work.', 'simple_reflection'],
  ['Before we get into it, are you still taking the amlodipine every morning?', 'closed_question'],
  ["That's good to hear.", 'other'],
  ["Your reading today was a bit lower than last time, but it's still higher than we'd like.", 'giving_information'],
  ['What do you make of that?', 'open_question'],
  ['Right.', 'other'],
  ["So your father's stroke is something you think about, and at the same time, your days are already full.", 'complex_reflection'],
  ['Last time, you mentioned walking in the evenings.', 'other'],
  ['How has that gone?', 'open_question'],
  ['You got started, and you kept at it while juggling everything else.', 'affirm'],
  ['That takes real commitment.', 'affirm'],
  ['What got in the way?', 'open_question'],
  ['Would it be all right if I shared a few ideas that have worked for other people in a similar spot?', 'seeking_collaboration'],
  ['Some people find that shorter walks fit in more easily, like a few minutes at lunch.', 'persuade_with_permission'],
  ['Others focus on food, for example cutting back on salt, which can lower blood pressure quite a lot.', 'persuade_with_permission'],
  ['What do you think might suit you?', 'seeking_collaboration'],
  ['Changing the cooking would mean changing things for the whole family.', 'complex_reflection'],
  ['How confident do you feel that you could do that on most days?', 'open_question'],
  ['Let me make sure I have this right.', 'other'],
  ["You've been taking your medication every day, you're worried because of your father's stroke, and walking worked well until the weather and tiredness got in the way.", 'complex_reflection'],
  ["Now you'd like to try short walks at lunch, most weekdays.", 'simple_reflection'],
  ['Did I miss anything?', 'closed_question'],
  ['Okay.', 'other'],
  ["Let's check your blood pressure again next month, and you can tell me how the walks are going.", 'giving_information'],
  ['Thank you, Daniel.', 'other'],
  ['Take care.', 'other'],
];

export interface SampleAnalysisOptions {
  /** Mark this section as failed (degenerate output twice), to exercise the report's failure state. */
  failSection?: string;
  /** Mark the narrative (summary, strengths, suggestions) as failed. */
  failNarrative?: boolean;
}

export function sampleRubric(): Rubric {
  return parseRubric(JSON.parse(readFileSync(path.join(resourcesDir, 'rubrics', 'motivational-interviewing.json'), 'utf8')));
}

export function sampleTranscript(): Transcript {
  return groundTruthTranscript();
}

export function buildSampleAnalysis(opts: SampleAnalysisOptions = {}): VerifiedAnalysis {
  const rubric = sampleRubric();
  const units = splitIntoUnits(sampleTranscript());
  const id = unitFinder(units);
  const coding: CodingAnswer = Object.fromEntries(SAMPLE_CODES.map(([text, code]) => [id(text, 0), code]));

  const globalChange: SectionAnswer = {
    cultivating_change_talk: {
      evidence: [id('What do you make of that?'), id("So your father's stroke is something you think about, and at the same time, your days are already full."), id('How confident do you feel that you could do that on most days?')],
      rationale: "Open questions invited the patient's own view, and the reflection of his father's stroke drew out his reasons; the confidence question built on his plan.",
      score: 4,
    },
    softening_sustain_talk: {
      evidence: [id("So your father's stroke is something you think about, and at the same time, your days are already full."), id('Changing the cooking would mean changing things for the whole family.')],
      rationale: 'When he said there was no time or that cooking was hard, the clinician reflected it without arguing and moved on to what he could do.',
      score: 4,
    },
  };
  const globalRelational: SectionAnswer = {
    partnership: {
      // The patient's "Sure, go ahead." is cited too: the wrong speaker for a clinician item, so it is rejected.
      evidence: [id('Would it be all right if I shared a few ideas that have worked for other people in a similar spot?'), id('Sure, go ahead.'), id('What do you think might suit you?')],
      rationale: 'Asked permission before sharing ideas and let the patient choose which would suit him.',
      score: 4,
    },
    // As in the demo of 2026-12-03: the model's reason restated the rubric, so it was set aside and the codes speak.
    empathy: {
      evidence: [id("So your father's stroke is something you think about, and at the same time, your days are already full."), id('Changing the cooking would mean changing things for the whole family.')],
      rationale: codeOnlyRationale('the rationale for "Empathy" does not mention anything said in the units it cites', codeScore(rubric.sections.flatMap((s) => s.items).find((i) => i.id === 'empathy')!, coding)!, coding),
      score: 3,
      reasonSetAside: true,
    },
  };
  const narrative: NarrativeAnswer = {
    summary: {
      text: 'A collaborative follow-up: the clinician asked for the patient\'s view, reflected his mixed feelings about his health and busy days, asked permission before offering ideas and closed with an accurate summary.',
      evidence: [id("So your father's stroke is something you think about, and at the same time, your days are already full."), id('Would it be all right if I shared a few ideas that have worked for other people in a similar spot?'), id("You've been taking your medication every day, you're worried because of your father's stroke, and walking worked well until the weather and tiredness got in the way.")],
    },
    strengths: [
      { text: 'Asked permission before sharing ideas, then handed the choice back to the patient.', evidence: [id('Would it be all right if I shared a few ideas that have worked for other people in a similar spot?'), id('What do you think might suit you?')] },
      { text: 'The closing summary drew together medication, worry and the new plan, and invited correction.', evidence: [id("You've been taking your medication every day, you're worried because of your father's stroke, and walking worked well until the weather and tiredness got in the way."), id('Did I miss anything?')] },
    ],
    suggestions: [
      {
        text: "When the patient said he knows what to do but can't fit it in, a reflection of both sides such as \"Part of you wants to, and the days keep filling up\" would have invited more change talk before asking about the walks.",
        evidence: [id("I know what I should do, I just can't seem to fit it in."), id('Last time, you mentioned walking in the evenings.')],
      },
      {
        text: 'Before agreeing the plan, asking what might get in the way of lunch walks would have prepared for the weather and tiredness that stopped him before.',
        evidence: [id('Mostly the weather, and being tired after work.'), id("Let's check your blood pressure again next month, and you can tell me how the walks are going.")],
      },
    ],
  };
  const failedReason = 'the model repeated the same text ("I\'m a partner in a partnership") instead of rating the items, twice';
  const section = (sectionId: string, answer: SectionAnswer) =>
    opts.failSection === sectionId ? { sectionId, attempts: 2, outcome: { ok: false as const, reason: failedReason } } : { sectionId, attempts: 1, outcome: { ok: true as const, answer } };
  return assembleAnalysis({
    rubric,
    units,
    model: SAMPLE_MODEL,
    coding: { coder: { kind: 'llm', name: SAMPLE_MODEL }, outcome: { ok: true, answer: coding } },
    sections: [section('global_change', globalChange), section('global_relational', globalRelational)],
    narrative: opts.failNarrative
      ? { attempts: 2, outcome: { ok: false, reason: 'the summary copied the instructions ("two sentences") instead of describing the conversation, twice' } }
      : { attempts: 1, outcome: { ok: true, answer: narrative } },
    usage: { calls: 6 + (opts.failSection ? 1 : 0) + (opts.failNarrative ? 1 : 0), retries: (opts.failSection ? 1 : 0) + (opts.failNarrative ? 1 : 0), promptTokens: 2460, completionTokens: 612 },
  });
}

/** The id of the unit with exactly these words; throws so that a change of the splitter breaks the fixture loudly. */
function unitFinder(units: readonly TranscriptUnit[]) {
  return (text: string, channel?: 0 | 1): string => {
    const found = units.filter((u) => u.text === text && (channel === undefined || u.channel === channel));
    if (found.length !== 1) throw new Error(`sample fixture: ${found.length} units read "${text}"`);
    return found[0]!.id;
  };
}

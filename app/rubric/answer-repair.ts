import { COPY_RUN, dropRepeatedPoints, sharedRun, words } from './degenerate-output';
import type { NarrativeAnswer, SectionAnswer } from './model-output';

/**
 * Deterministic clean-up of a well-formed model answer before the degenerate-output detector sees
 * it (docs/decisions/019). Only form is repaired, never content:
 *
 * - text cut off by the schema's length limit mid-sentence ("… The clinician's use of the ") is
 *   cut back to its last complete sentence;
 * - a sentence that restates the rubric's guidance word for word is removed, so the sentence about
 *   this conversation that follows it is kept ("The clinician consistently invites and builds on
 *   the patient's words …. In u23 …");
 * - repeated narrative points are dropped (dropRepeatedPoints), and so is a point cut off
 *   mid-sentence when its list has a whole one.
 *
 * What is left is checked as before: a text that was nothing but copied guidance keeps its copy
 * and fails the check, so junk still never reaches a report as feedback.
 */
export interface RepairContext {
  /** The instructions the model was given (system message and task, without the transcript). */
  instructions: string;
}

/** Sentences, each with its closing mark; a break needs whitespace after the mark, so "1.5" and "u12." stay whole. */
export function sentencesOf(text: string): string[] {
  return text
    .trim()
    .split(/(?<=[.!?]["'’”)\]]*)\s+/u)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}

const ENDS_SENTENCE = /[.!?]["'’”)\]]*$/u;

/** Text cut off mid-sentence goes back to its last full sentence; one unfinished sentence gets an ellipsis. */
export function trimToSentence(text: string): string {
  const t = text.trim();
  if (t === '' || ENDS_SENTENCE.test(t)) return t;
  const sentences = sentencesOf(t);
  const complete = sentences.filter((s) => ENDS_SENTENCE.test(s));
  if (complete.length > 0 && !ENDS_SENTENCE.test(sentences.at(-1)!)) return complete.join(' ');
  return `${t.replace(/[\s,;:–-]+$/u, '')}…`;
}

/** Removes sentences that copy COPY_RUN or more consecutive words of the instructions, unless nothing else is left. */
export function dropCopiedSentences(text: string, instructions: string): string {
  const source = words(instructions);
  const sentences = sentencesOf(text);
  const kept = sentences.filter((s) => !sharedRun(words(s), source, COPY_RUN));
  return kept.length === 0 || kept.length === sentences.length ? text : kept.join(' ');
}

const repairText = (text: string, ctx: RepairContext) => dropCopiedSentences(trimToSentence(text), ctx.instructions);

export function repairSectionAnswer(answer: SectionAnswer, ctx: RepairContext): SectionAnswer {
  return Object.fromEntries(Object.entries(answer).map(([id, item]) => [id, { ...item, rationale: repairText(item.rationale, ctx) }]));
}

/** A point cut off mid-sentence (it ends in the ellipsis trimToSentence gives it) goes when its list has a whole one. */
const CUT_OFF = /…$/u;
function dropCutOff<P extends { text: string }>(list: readonly P[]): P[] {
  const whole = list.filter((p) => !CUT_OFF.test(p.text));
  return whole.length > 0 ? whole : [...list];
}

export function repairNarrativeAnswer(answer: NarrativeAnswer, ctx: RepairContext): NarrativeAnswer {
  const point = <P extends { text: string }>(p: P): P => ({ ...p, text: repairText(p.text, ctx) });
  // Seen in the demo: a third strength "The clinician gave the patient information about their blood pressure and a…".
  return dropRepeatedPoints({ summary: point(answer.summary), strengths: dropCutOff(answer.strengths.map(point)), suggestions: dropCutOff(answer.suggestions.map(point)) }).answer;
}

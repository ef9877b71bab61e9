import { AppError } from '../contracts/errors';
import { MAX_JOIN_GAP_SEC } from '../evidence/quote-index';
import type { Transcript } from '../transcript/transcript';
import type { Rubric, RubricItem, RubricSection } from './rubric';

export interface AnalysisPrompt {
  system: string;
  user: string;
}

export interface AnalysisPromptOptions {
  /** Evaluate only this section: an id of `rubric.sections` or of `splitRubricForCalls(rubric)`, or the section itself. */
  section?: string | RubricSection;
  /** Names to tell the model who is who; the transcript itself always says CLINICIAN / PATIENT. */
  participants?: { clinician: string; patient: string };
}

const LABEL = { 0: 'CLINICIAN', 1: 'PATIENT' } as const;

/**
 * The prompt of one rubric-analysis call. Short and literal on purpose: the embedded default model
 * is tiny (gemma3 270M), so every rule is one line and the answer's JSON shape is spelled out.
 * The speaker labels match the `speaker` values of ModelEvidence ('clinician' / 'patient').
 */
export function buildAnalysisPrompt(rubric: Rubric, transcript: Transcript, opts: AnalysisPromptOptions = {}): AnalysisPrompt {
  const section = resolveSection(rubric, opts.section);
  const items = section ? section.items : rubric.sections.flatMap((s) => s.items);

  const system = [
    'You rate a recorded conversation between a CLINICIAN and a PATIENT against a rubric.',
    'Rules:',
    '1. Use only the transcript. Never invent what was said.',
    '2. Every quote is copied word for word from one transcript line: 3 to 40 words, without the time or the speaker label.',
    '3. "speaker" is "clinician" or "patient": the person who said the quote.',
    '4. Use only the item ids listed. Give each item a whole-number score inside its scale.',
    '5. Answer with JSON only.',
  ].join('\n');

  const parts: string[] = [`Rubric: ${rubric.title}${section ? ` — ${section.title}` : ''}`];
  if (items.length > 0) parts.push(['Items to score:', ...items.map(renderItem)].join('\n'));
  if (opts.participants) parts.push(`The CLINICIAN is ${opts.participants.clinician}. The PATIENT is ${opts.participants.patient}.`);
  parts.push(`Transcript:\n${renderTranscript(transcript)}`);
  parts.push(`Answer in this JSON shape:\n${answerShape(items)}`);
  return { system, user: parts.join('\n\n') };
}

/**
 * The transcript as the model reads it, one line per stretch of one speaker: `[mm:ss] CLINICIAN: text`.
 * Consecutive segments of one speaker share a line when evidence verification would accept a quote
 * across them (no other speaker in between, a gap of at most a few seconds).
 */
export function renderTranscript(transcript: Transcript): string {
  const lines: { channel: 0 | 1; start: number; end: number; text: string }[] = [];
  const sorted = [...transcript.segments].sort((a, b) => a.start - b.start || a.channel - b.channel);
  for (const s of sorted) {
    const text = s.text.trim();
    if (text === '') continue;
    const last = lines[lines.length - 1];
    if (last && last.channel === s.channel && s.start - last.end <= MAX_JOIN_GAP_SEC) {
      last.text += ` ${text}`;
      last.end = Math.max(last.end, s.end);
    } else lines.push({ channel: s.channel, start: s.start, end: s.end, text });
  }
  return lines.map((l) => `[${clock(l.start)}] ${LABEL[l.channel]}: ${l.text}`).join('\n');
}

/**
 * The rubric cut into sections of at most `maxPerCall` items and behaviours, so that a small
 * local model sees few things at once. A section that fits keeps its id; a larger one becomes
 * `<id>.part1`, `<id>.part2`, … (ids `buildAnalysisPrompt` accepts as `section`).
 */
export function splitRubricForCalls(rubric: Rubric, opts: { maxPerCall?: number } = {}): RubricSection[] {
  const max = Math.max(1, opts.maxPerCall ?? 4);
  return rubric.sections.flatMap((s) => {
    if (s.items.length <= max) return [s];
    const parts = Math.ceil(s.items.length / max);
    return Array.from({ length: parts }, (_, k) => ({ id: `${s.id}.part${k + 1}`, title: `${s.title} (${k + 1}/${parts})`, items: s.items.slice(k * max, (k + 1) * max) }));
  });
}

function resolveSection(rubric: Rubric, section: AnalysisPromptOptions['section']): RubricSection | null {
  if (section === undefined) return null;
  if (typeof section !== 'string') return section;
  const found = rubric.sections.find((s) => s.id === section) ?? splitRubricForCalls(rubric).find((s) => s.id === section);
  if (!found) throw new AppError('rubric.not_found', `Rubric "${rubric.id}" has no section "${section}"`);
  return found;
}

function renderItem(item: RubricItem): string {
  const labels = [...item.scale.labels].sort((a, b) => a.value - b.value).map((l) => `${l.value} = ${l.label}`).join('; ');
  return `- ${item.id}: ${item.title}. Score ${item.scale.min} to ${item.scale.max}${labels ? ` (${labels})` : ''}. ${item.guidance}`;
}

function answerShape(items: RubricItem[]): string {
  const item = items[0];
  const shape = {
    items: item ? [{ itemId: item.id, score: item.scale.min, rationale: 'one sentence', evidence: [{ quote: 'exact words', speaker: 'clinician' }] }] : [],
    summary: 'two sentences',
    strengths: ['one strength'],
    suggestions: ['one suggestion'],
  };
  return JSON.stringify(shape);
}

function clock(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}


import { renderUnit, renderUnits, type TranscriptUnit } from '../transcript/units';
import type { CodeCount } from './analysis';
import { MAX_EVIDENCE, MAX_NARRATIVE_POINTS } from './answer-schemas';
import { codeScore } from './code-score';
import type { RubricCoding, RubricItem, RubricSection } from './rubric';

/**
 * The prompts of one evaluation (docs/decisions/011). Every call of an evaluation sends the same
 * system message and a user message that starts with the same text, byte for byte: the code book
 * (when the rubric has one) and the numbered transcript. Only the instruction at the end differs.
 * A local engine that keeps its KV cache (node-llama-cpp's LlamaChat does) then evaluates the
 * transcript once per evaluation instead of once per call.
 *
 * No placeholder answer text is shown anywhere ("one sentence", "one strength"): a small model
 * copies what it sees. The answer's shape comes from the JSON schema alone.
 */
export interface CallPrompt {
  system: string;
  user: string;
}

export interface PromptContext {
  units: readonly TranscriptUnit[];
  /** The rubric's code book, when it has one (part of the shared prefix, so coding batches reuse it). */
  book?: RubricCoding | undefined;
}

/** Marks where the shared prefix ends and the call's own instruction begins. */
export const TASK_MARKER = '### Task';

export const SYSTEM_PROMPT = [
  'You are an experienced tutor of clinical communication. You review the transcript of a recorded consultation between a CLINICIAN and a PATIENT and give the clinician honest, specific feedback.',
  'The transcript is split into numbered units. Each line is: unit id, [minutes:seconds], speaker, the words said.',
  'Rules:',
  '- Judge only from what was said in the transcript. Do not assume anything that was not said.',
  '- Point to moments by their unit ids. Never retype or invent what someone said.',
  '- Write plain English about this conversation, to the clinician ("you").',
  '- Answer with JSON only, in the format you are given.',
].join('\n');

/** The part of the user message every call of one evaluation shares. */
export function sharedPrefix(ctx: PromptContext): string {
  const parts: string[] = [];
  if (ctx.book) {
    parts.push(['Behaviour codes (every clinician unit gets exactly one):', ...ctx.book.codes.map((c) => `- ${c.id}: ${c.title}. ${c.definition}`)].join('\n'));
  }
  parts.push(`Transcript (${ctx.units.length} units):\n${renderUnits(ctx.units)}`);
  return `${parts.join('\n\n')}\n\n${TASK_MARKER}\n`;
}

function prompt(ctx: PromptContext, instruction: string): CallPrompt {
  return { system: SYSTEM_PROMPT, user: sharedPrefix(ctx) + instruction };
}

/**
 * One coding batch: the batch's stretch of transcript again (with the patient's unit just before
 * it, for context), and the ids to code. The JSON keys are exactly these ids.
 */
export function codingPrompt(ctx: PromptContext & { book: RubricCoding }, batch: readonly TranscriptUnit[]): CallPrompt {
  const ids = batch.filter((u) => u.channel === 0).map((u) => u.id);
  const first = ctx.units.findIndex((u) => u.id === batch[0]?.id);
  const last = ctx.units.findIndex((u) => u.id === batch[batch.length - 1]?.id);
  const from = first > 0 && ctx.units[first - 1]!.channel === 1 ? first - 1 : Math.max(0, first);
  const stretch = ctx.units.slice(from, last + 1);
  const instruction = [
    `Code the clinician units ${ids.join(', ')}. For each one, first say briefly what the clinician does in it (act), then give the behaviour code that fits it best (code).`,
    'Decide from the unit\'s own words and from what the patient said just before it:',
    '- a question the patient can answer freely is open_question; one answered with yes, no or a fact is closed_question;',
    '- repeating or rephrasing what the patient said, without a question, is a reflection, even when it sounds like a question;',
    '- use other only when no other code fits (greetings, thanks, small talk).',
    '',
    'The units, with their context:',
    stretch.map(renderUnit).join('\n'),
  ];
  return prompt(ctx, codeHints(ctx.book, instruction).join('\n'));
}

/** The code-specific hints above only name codes the book has. */
function codeHints(book: RubricCoding, lines: string[]): string[] {
  const has = new Set(book.codes.map((c) => c.id));
  return lines.filter((l) => {
    if (l.includes('open_question') && !(has.has('open_question') && has.has('closed_question'))) return false;
    if (l.includes('is a reflection') && ![...has].some((c) => c.includes('reflection'))) return false;
    if (l.includes('use other') && !has.has('other')) return false;
    return true;
  });
}

function renderScale(item: RubricItem): string {
  const labels = new Map(item.scale.labels.map((l) => [l.value, l.label]));
  const values = Array.from({ length: item.scale.max - item.scale.min + 1 }, (_, k) => item.scale.min + k);
  return values.map((v) => (labels.has(v) ? `${v} = ${labels.get(v)}` : String(v))).join('; ');
}

const FOCUS_WORDS = { clinician: "the clinician's units", patient: "the patient's units", both: 'units of either speaker' } as const;

export interface ScoringContext {
  /** Code counts of this evaluation's coding, when it ran first (the model may use them). */
  counts?: readonly CodeCount[] | undefined;
  /** The code of each coded clinician unit (unit id → code id), for the items' code guides. */
  unitCodes?: Readonly<Record<string, string>> | undefined;
  /** Per guided item, the units it cites (unitsToCite): the model then explains rather than chooses. */
  cited?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** At most this many unit ids are listed per side of a code guide (the counts are always whole). */
const GUIDE_IDS = 10;

/**
 * For an item with a code guide: the score the behaviour coding gives it (codeScore), the counts
 * on either side, and the units it cites (chosen by unitsToCite, not by the model), so the model
 * only explains the score from what was said in those units; the answer schema allows only that
 * score and those units.
 */
export function renderCodeGuide(item: RubricItem, unitCodes: Readonly<Record<string, string>> | undefined, cited: readonly string[] = []): string[] {
  const scored = codeScore(item, unitCodes);
  if (!scored || !unitCodes) return [];
  const list = (ids: readonly string[]) => (ids.length ? `: ${ids.slice(0, GUIDE_IDS).map((id) => `${id} (${unitCodes[id]})`).join(', ')}${ids.length > GUIDE_IDS ? ', …' : ''}` : '');
  const lines = [
    `The behaviour coding of the clinician's units gives this item ${scored.score} (${scored.explanation}).`,
    `- units showing it${list(scored.showing)}${scored.showing.length ? '' : ': none'}`,
  ];
  if (item.codeGuide!.against.length > 0) lines.push(`- units working against it${list(scored.against)}${scored.against.length ? '' : ': none'}`);
  if (cited.length > 0) lines.push(`The score is ${scored.score}. It is shown with the units ${cited.map((id) => `${id} (${unitCodes[id]})`).join(', ')}.`);
  else lines.push(`The score is ${scored.score}. Cite the units that show best why, and explain from what the clinician said there.`);
  return lines;
}

function renderCounts(counts: readonly CodeCount[] | undefined): string[] {
  const some = (counts ?? []).filter((c) => c.count > 0);
  if (some.length === 0) return [];
  return ['', `Behaviour codes counted in the clinician's units: ${some.map((c) => `${c.codeId} ${c.count}`).join(', ')}.`];
}

/** One rubric section: each item with its guidance and scale; evidence first, then rationale, then the score. */
export function sectionPrompt(ctx: PromptContext, rubricTitle: string, section: RubricSection, scoring: ScoringContext = {}): CallPrompt {
  const items = section.items.flatMap((item) => [
    '',
    `Item ${item.id}: ${item.title}`,
    `What to look for: ${item.guidance}`,
    `Scale: ${renderScale(item)}`,
    `Cite ${FOCUS_WORDS[item.focus]} only.`,
    ...renderCodeGuide(item, scoring.unitCodes, scoring.cited?.[item.id]),
  ]);
  const single = section.items.length === 1;
  const chosen = single && (scoring.cited?.[section.items[0]!.id]?.length ?? 0) > 0;
  if (chosen) {
    // The cited units' own lines, here at the end: a 1.5B model asked to explain units it had to
    // find far above in the transcript restated the rubric instead (docs/decisions/026).
    const byId = new Map(ctx.units.map((u) => [u.id, u]));
    const shown = (scoring.cited?.[section.items[0]!.id] ?? []).flatMap((id) => (byId.has(id) ? [`- ${renderUnit(byId.get(id)!)}`] : []));
    return prompt(ctx, [
      `Explain a score of the clinician on one item of "${rubricTitle}: ${section.title}".`,
      ...items,
      ...renderCounts(scoring.counts),
      '',
      'The units it is shown with:',
      ...shown,
      '',
      'Give those units as the evidence and the score as given. The rationale, in at most 30 words: what the clinician said in those units (name the topic, in the speakers\' own words), about what part of the patient\'s story, and why that earns the score (or keeps it down). Do not repeat the wording of "What to look for" or the unit ids.',
    ].join('\n'));
  }
  const instruction = [
    single ? `Rate the clinician on one item of "${rubricTitle}: ${section.title}".` : `Rate the clinician on the items of "${rubricTitle}: ${section.title}".`,
    ...items,
    ...renderCounts(scoring.counts),
    '',
    `${single ? 'First' : 'For each item: first'} choose up to ${MAX_EVIDENCE} units that show best how the clinician did on it (evidence); then write the rationale; then give the score those units support.`,
    'The rationale, in at most 40 words: what the clinician said or did in those units, about what part of the patient\'s story, and why that earns the score. Write it in your own words about this conversation: do not repeat the wording of "What to look for".',
    single ? 'Judge this item alone: a conversation can be strong on one item and weak on another. Use the whole scale.' : 'Score each item on its own: a conversation can be strong on one item and weak on another. Use the whole scale. Do not give two items the same rationale.',
  ];
  return prompt(ctx, instruction.join('\n'));
}

export interface NarrativeContext extends ScoringContext {
  /** The item scores of the sections that were scored, to keep the narrative consistent with them. */
  scores?: readonly { title: string; score: number; scaleMax: number }[] | undefined;
  participants?: { clinician: string; patient: string } | undefined;
}

/** Summary, strengths and suggestions, each resting on cited units. */
export function narrativePrompt(ctx: PromptContext, rubricTitle: string, n: NarrativeContext = {}): CallPrompt {
  const scores = (n.scores ?? []).map((s) => `${s.title} ${s.score}/${s.scaleMax}`);
  const instruction = [
    `Write feedback for the clinician on this conversation (rubric: ${rubricTitle}).`,
    ...(n.participants ? [`The clinician is ${n.participants.clinician}; the patient is ${n.participants.patient}.`] : []),
    ...(scores.length > 0 ? ['', `Item scores: ${scores.join('; ')}.`] : []),
    ...renderCounts(n.counts),
    '',
    'Keep each text under 30 words.',
    "summary: what the patient came with and what was agreed, and how well the clinician handled it, naming the patient's own concerns.",
    `strengths: up to ${MAX_NARRATIVE_POINTS} things the clinician did well, each about a different moment, saying what was done and why it helped.`,
    `suggestions: up to ${MAX_NARRATIVE_POINTS} concrete changes, each about one clinician unit where another response would have helped more (for example a question or advice where the patient's words could have been reflected back), saying briefly what the clinician could have said there instead.`,
    'Each point cites the units it is about and names what was said there. Do not repeat a point: a moment is either a strength or a suggestion, never both.',
  ];
  return prompt(ctx, instruction.join('\n'));
}

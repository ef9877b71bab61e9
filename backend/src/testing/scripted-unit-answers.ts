/**
 * What a well-behaved remote model would answer to the unit-id analysis calls, built from the
 * request the pipeline really sent (response_format's schema and the numbered transcript): codes
 * for exactly the units asked, mid-scale scores citing allowed units, and a narrative citing units.
 * Like a remote model that ignores the schema now and then, the first item of every section also
 * cites a patient unit (wrong speaker) and an id that does not exist: both must be rejected.
 */
export const UNKNOWN_UNIT_ID = 'u9999';

type Schema = { properties?: Record<string, Schema>; items?: Schema; enum?: unknown[] };
type Body = { messages?: { role: string; content: unknown }[]; response_format?: { json_schema?: { name?: string; schema?: Schema } } };

export interface TranscriptLine {
  id: string;
  speaker: 'CLINICIAN' | 'PATIENT';
  text: string;
}

/** The numbered transcript lines of the request (`u12 [01:23] CLINICIAN: text`). */
export function transcriptLinesOf(body: unknown): TranscriptLine[] {
  const user = ((body as Body).messages ?? []).filter((m) => m.role === 'user').map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
  const seen = new Set<string>();
  return [...user.matchAll(/^(u\d+) \[\d+:\d\d\] (CLINICIAN|PATIENT): (.+)$/gm)].flatMap((m) => {
    if (seen.has(m[1]!)) return [];
    seen.add(m[1]!);
    return [{ id: m[1]!, speaker: m[2] as TranscriptLine['speaker'], text: m[3]! }];
  });
}

export function schemaOf(body: unknown): { name: string; schema: Schema } {
  const f = (body as Body).response_format?.json_schema;
  if (!f?.schema) throw new Error('a request without a json_schema response_format');
  return { name: f.name ?? '', schema: f.schema };
}

export type CallKind = 'coding' | 'section' | 'narrative';

export function kindOf(body: unknown): CallKind {
  const { name } = schemaOf(body);
  if (name === 'unit_codes') return 'coding';
  if (name === 'narrative') return 'narrative';
  if (name.startsWith('section_')) return 'section';
  throw new Error(`unknown schema name ${name}`);
}

/**
 * Rationales worded differently per item, as a real model's are: two items of a section may cite
 * the same unit (fewer clinician units than items), and one template for both would rightly be
 * flagged by the degenerate-output detector as the same rationale given twice.
 */
const RATIONALES: ((unit: string, quote: string, item: string) => string)[] = [
  (unit, quote, item) => `In ${unit} the clinician said "${quote}", which is what ${item} rests on.`,
  (unit, quote, item) => `For ${item}, look at ${unit}: "${tail(quote)}" shows how far the clinician went with this part of the visit.`,
  (unit, quote, item) => `${unit} is the clearest moment for ${item}; saying "${tail(quote)}" earns a middle mark, neither missing nor complete.`,
];

/** The last few words of a unit, as a model naming what was said there would quote them. */
function tail(text: string, n = 4): string {
  return text.replace(/[.?!,;:]+$/, '').split(/\s+/).slice(-n).join(' ');
}

/**
 * An item's place in its section, in the order the pipeline asks for the items (one call per item,
 * in rubric order), remembered per section schema: what a section-wide answer's position was.
 */
const itemOrder = new Map<string, string[]>();
function itemIndex(sectionSchema: string, itemId: string): number {
  const seen = itemOrder.get(sectionSchema) ?? [];
  if (!seen.includes(itemId)) seen.push(itemId);
  itemOrder.set(sectionSchema, seen);
  return seen.indexOf(itemId);
}

/**
 * A plausible code for a clinician sentence from its surface, like a coder that reads the words:
 * a request for permission, a check of understanding, a summary, questions by their first word,
 * reflections ("So …", "You …"), affirmations, else information. Codes not in the book fall through
 * to the next candidate, so the same rules serve both rubrics' code books.
 */
function pickCode(text: string, codes: string[]): string {
  const t = text.trim().toLowerCase();
  const prefer: string[] = [];
  if (/^let me make sure/.test(t)) prefer.push('summary', 'complex_reflection');
  if (/^(before we|let's|let us)\b/.test(t)) prefer.push('signposting');
  if (t.endsWith('?')) {
    if (/^(would it be (all right|ok)|may i|can i share)/.test(t)) prefer.push('persuade_with_permission', 'signposting');
    if (/(did i miss anything|does that make sense|what do you think might suit)/.test(t)) prefer.push('checking_understanding', 'seeking_collaboration');
    prefer.push(/^(what|how|why|tell)\b/.test(t) ? 'open_question' : 'closed_question');
  }
  if (/^(so|you)\b/.test(t)) prefer.push(/\b(and at the same time|worried|takes)\b/.test(t) ? 'complex_reflection' : 'simple_reflection', 'reflection');
  if (/(takes real commitment|good to hear)/.test(t)) prefer.push('affirm', 'empathic_statement');
  prefer.push('giving_information', 'other');
  return prefer.find((c) => codes.includes(c)) ?? codes[0]!;
}

export function scriptedUnitAnswer(body: unknown): unknown {
  const { name, schema } = schemaOf(body);
  const lines = transcriptLinesOf(body);
  const text = new Map(lines.map((l) => [l.id, l.text]));
  const props = schema.properties ?? {};
  const kind = kindOf(body);
  if (kind === 'coding') {
    return Object.fromEntries(Object.entries(props).map(([id, v]) => [id, { act: `says "${(text.get(id) ?? '').slice(0, 40)}"`, code: pickCode(text.get(id) ?? '', (v.properties?.code?.enum ?? []) as string[]) }]));
  }
  if (kind === 'section') {
    const patient = lines.find((l) => l.speaker === 'PATIENT')?.id;
    return Object.fromEntries(
      Object.entries(props).map(([itemId, item]) => {
        const i = itemIndex(name, itemId);
        const allowed = (item.properties?.evidence?.items?.enum ?? []) as string[];
        const score = (item.properties?.score?.enum ?? [3]) as number[];
        const evidence = [allowed[i % allowed.length]!, ...(i === 0 ? [...(patient && !allowed.includes(patient) ? [patient] : []), UNKNOWN_UNIT_ID] : [])];
        return [itemId, { evidence, rationale: RATIONALES[i % RATIONALES.length]!(evidence[0]!, text.get(evidence[0]!) ?? '', `${itemId} (${name})`), score: score[(Math.floor(score.length / 2) + i) % score.length] }];
      }),
    );
  }
  const ids = lines.map((l) => l.id);
  // Each point cites units its own pool allows (the schema's enum), as a model under the grammar must.
  const pool = (node: Schema | undefined): string[] => {
    const allowed = (node?.properties?.evidence?.items?.enum ?? []) as string[];
    return allowed.length > 0 ? allowed : ids;
  };
  // The third and fourth units when their pools allow them (points about different moments), else one of the pool.
  const pick = (allowed: string[], k: number) => (allowed.includes(ids[k]!) ? ids[k]! : allowed[Math.min(k, allowed.length - 1)]!);
  const summaryIds = pool(props.summary).slice(0, 2);
  const strength = pick(pool(props.strengths?.items), 2);
  const suggestion = pick(pool(props.suggestions?.items), 3);
  return {
    summary: { text: `A scripted summary of a conversation of ${lines.length} units that opens with "${lines[0]?.text ?? ''}".`, evidence: summaryIds },
    strengths: [{ text: `Saying "${tail(text.get(strength) ?? '', 8)}" in ${strength} invited the patient to talk.`, evidence: [strength] }],
    // About its moment by its words, as the analysis requires of a suggestion (dropUngroundedSuggestions).
    suggestions: [{ text: `After "${tail(text.get(suggestion) ?? '', 6)}" in ${suggestion}, a reflection of the patient's concern would have helped more than moving on.`, evidence: [suggestion] }],
  };
}

/** Which call a request is (`coding:u1` by its first unit, `section:<id>`, `narrative`): the gateway keeps the Idempotency-Key, so tests tell calls apart by their schema. */
export function callOfRequest(body: unknown): string {
  const { name, schema } = schemaOf(body);
  const kind = kindOf(body);
  if (kind === 'coding') return `coding:${Object.keys(schema.properties ?? {})[0] ?? ''}`;
  if (kind === 'section') return `section:${name.slice('section_'.length)}`;
  return 'narrative';
}

import { classifyQuestion } from '../../../../app/metrics/questions';
import type { TranscriptUnit } from '../../../../app/transcript/units';

/**
 * Features of a clinician unit for the utterance classifier (docs/decisions/012): the unit's
 * sentence embedding, optionally the embedding of the patient turn before it (what a reflection
 * reflects), and optionally a few surface cues that embeddings of uncased text blur (a final "?",
 * the opening word, the rule-based question type of app/metrics/questions.ts).
 */
export const FeatureParts = ['unit', 'previousPatient', 'surface'] as const;
export type FeaturePart = (typeof FeatureParts)[number];

/** Enough to hold a patient turn's few sentences; older ones say little about this unit. */
const PATIENT_TURN_UNITS = 4;

const OPEN_WH = new Set(['what', 'how', 'why']);
const OTHER_WH = new Set(['when', 'where', 'who', 'which', 'whose']);
const AUX = new Set(['do', 'does', 'did', 'is', 'are', 'was', 'were', 'can', 'could', 'will', 'would', 'shall', 'should', 'have', 'has', 'may', 'might']);
const FILLERS = new Set(['so', 'and', 'but', 'okay', 'ok', 'well', 'um', 'uh', 'now', 'right', 'then', 'oh', 'yeah', 'mm', 'alright']);

export const SURFACE_FEATURES = [
  'ends_with_question_mark',
  'opens_with_what_how_why',
  'opens_with_other_wh',
  'opens_with_auxiliary',
  'opens_with_you',
  'opens_with_i_or_we',
  'rule_open_question',
  'rule_closed_question',
  'mentions_you',
  'words_over_20',
  'cosine_to_patient_turn',
  'asks_permission',
  'names_autonomy',
  'directive_you_should',
  'reflection_opener',
  'contradiction_opener',
  'praise',
  'collaborative_we',
] as const;

const CUES = [
  /\b(would it be (ok|okay|alright|all right)|is it (ok|okay|alright|all right) (if|to)|can i (tell|share|suggest|give|explain|offer)|would you like (me|to hear|some|to know)|do you mind if|may i|would it help if)\b/,
  /\b(up to you|your (choice|decision|call)|you decide|you('re| are) the (one|best judge)|whatever you decide|only you|it's yours|your body)\b/,
  /\b(you (really )?(should|need to|must|have to|ought to|'ve got to|'d better)|you've got to|you just need)\b/,
  /^(so |and )?(it sounds like|sounds like|it sounds as|you('re| are) (feeling|worried|saying|wondering|thinking)|you feel|it seems|part of you|on (the )?one hand|you('ve| have) (been|had)|you're not sure)/,
  /^(no\b|that's not|that is not|that isn't|it isn't|it's not|but you|well,? you|you can't|you don't)/,
  /\b(well done|good for you|great (job|work|effort|start)|that took|impressive|brilliant|fantastic|excellent|proud|credit)\b/,
  /\b(shall we|could we|should we|we could|together|let's|how about we|what do you think about)\b/,
];

export interface FeatureLayout {
  parts: readonly FeaturePart[];
  dimension: number;
}

export const featureCount = (layout: FeatureLayout): number =>
  layout.parts.reduce((n, p) => n + (p === 'surface' ? SURFACE_FEATURES.length : layout.dimension), 0);

/** Lower-case words with punctuation dropped, leading fillers skipped. */
function openingWords(text: string): string[] {
  const words = text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
  let i = 0;
  while (i < words.length - 1 && FILLERS.has(words[i]!)) i++;
  return words.slice(i);
}

export function surfaceFeatures(text: string, cosineToPatient: number): number[] {
  const words = openingWords(text);
  const first = (words[0] ?? '').replace(/'(s|re)$/, '');
  const question = classifyQuestion(text);
  const all = text.toLowerCase();
  return [
    /\?["'”’)]*\s*$/.test(text) ? 1 : 0,
    OPEN_WH.has(first) ? 1 : 0,
    OTHER_WH.has(first) ? 1 : 0,
    AUX.has(first) ? 1 : 0,
    first === 'you' || first === "you've" || first === "you're" || first === "you'd" ? 1 : 0,
    ['i', "i'm", "i'd", "i'll", 'we', "we'll", "we're", 'let', "let's"].includes(first) ? 1 : 0,
    question === 'open' ? 1 : 0,
    question === 'closed' ? 1 : 0,
    /\byou(r|'re|'ve|'d)?\b/.test(all) ? 1 : 0,
    Math.min(words.length, 60) / 20,
    cosineToPatient,
    ...CUES.map((re) => (re.test(all.replace(/[\u2018\u2019]/g, "'").trim()) ? 1 : 0)),
  ];
}

/** The patient units right before the clinician turn that holds unit `index` (at most a few). */
export function patientTurnBefore(units: readonly TranscriptUnit[], index: number): number[] {
  let i = index - 1;
  while (i >= 0 && units[i]!.channel === 0) i--;
  const out: number[] = [];
  while (i >= 0 && units[i]!.channel === 1 && out.length < PATIENT_TURN_UNITS) out.unshift(i--);
  return out;
}

function meanUnit(vectors: Float32Array[], dimension: number): Float64Array {
  const out = new Float64Array(dimension);
  for (const v of vectors) for (let j = 0; j < dimension; j++) out[j]! += v[j]!;
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let j = 0; j < dimension; j++) out[j] = out[j]! / norm;
  return out;
}

/**
 * One feature row per clinician unit (channel 0), in unit order. `embeddings[i]` is unit i's
 * unit-length sentence embedding.
 */
export function clinicianFeatures(units: readonly TranscriptUnit[], embeddings: readonly Float32Array[], layout: FeatureLayout): Array<{ unitId: string; row: Float64Array }> {
  const rows: Array<{ unitId: string; row: Float64Array }> = [];
  const width = featureCount(layout);
  units.forEach((unit, index) => {
    if (unit.channel !== 0) return;
    const own = embeddings[index]!;
    const patient = meanUnit(patientTurnBefore(units, index).map((k) => embeddings[k]!), layout.dimension);
    let cosine = 0;
    for (let j = 0; j < layout.dimension; j++) cosine += own[j]! * patient[j]!;
    const row = new Float64Array(width);
    let at = 0;
    for (const part of layout.parts) {
      if (part === 'unit') row.set(own, at);
      else if (part === 'previousPatient') row.set(patient, at);
      else row.set(surfaceFeatures(unit.text, cosine), at);
      at += part === 'surface' ? SURFACE_FEATURES.length : layout.dimension;
    }
    rows.push({ unitId: unit.id, row });
  });
  return rows;
}

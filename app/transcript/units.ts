import { z } from 'zod';
import { Channel, type Transcript, type Word } from './transcript';

/**
 * A transcript unit: one sentence or short utterance of one speaker, with its time. Units are what
 * the model cites (by id) and what utterance coding codes, so a citation is exact by construction:
 * the report shows the unit's own words, never text the model typed.
 */
export const UnitId = z.string().regex(/^u[1-9]\d*$/);
export type UnitId = z.infer<typeof UnitId>;

export const TranscriptUnit = z.object({
  /** `u1` … `uN` in time order. */
  id: UnitId,
  channel: Channel,
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  /** The transcript's own words, joined with single spaces. */
  text: z.string().min(1),
});
export type TranscriptUnit = z.infer<typeof TranscriptUnit>;

export interface UnitOptions {
  /** A silence longer than this inside one speaker's speech ends a unit. Default 1.5 s. */
  maxPauseSec?: number;
  /** A unit longer than this is cut, preferably after a comma. Default 40 words. */
  maxWords?: number;
}

const DEFAULT_PAUSE_SEC = 1.5;
const DEFAULT_MAX_WORDS = 40;
/** A backchannel followed by this much silence stays a unit of its own. */
const BACKCHANNEL_PAUSE_SEC = 0.3;
const SENTENCE_END = /[.?!…]["'”’)\]]*$/;
const ABBREVIATION = /^(dr|mr|mrs|ms|prof|st|vs|etc|e\.g|i\.e|approx)\.$/i;
const CLAUSE_END = /[,;:—–]["'”’)\]]*$/;
const BACKCHANNEL = new Set(['mm', 'mhm', 'mm-hm', 'mm-hmm', 'uh-huh', 'hm', 'hmm', 'right', 'okay', 'ok', 'yeah', 'yep', 'sure', 'uh', 'um', 'ah', 'oh', 'i see']);

interface TimedWord {
  channel: Channel;
  text: string;
  start: number;
  end: number;
}

/**
 * Splits a transcript into units. A unit never spans speakers: it ends where the other person
 * speaks in a gap between two of its words (turn taking), at a pause longer than `maxPauseSec`,
 * at the end of a sentence (. ? ! …), after a backchannel ("Right.", "Mm-hm") followed by a
 * pause, and is cut at `maxWords`. Overlapping speech of the other person (a backchannel said
 * while one keeps talking) does not cut a sentence. Segments without word timings are spread
 * evenly over their time. Ids are `u1…uN` by start time.
 */
export function splitIntoUnits(transcript: Pick<Transcript, 'segments'>, opts: UnitOptions = {}): TranscriptUnit[] {
  const maxPause = opts.maxPauseSec ?? DEFAULT_PAUSE_SEC;
  const maxWords = Math.max(2, opts.maxWords ?? DEFAULT_MAX_WORDS);
  const words: [TimedWord[], TimedWord[]] = [channelWords(transcript, 0), channelWords(transcript, 1)];
  const raw: Omit<TranscriptUnit, 'id'>[] = [];
  for (const channel of [0, 1] as const) {
    const own = words[channel];
    const other = words[channel === 0 ? 1 : 0];
    let current: TimedWord[] = [];
    const flush = () => {
      for (const part of cutLong(current, maxWords)) raw.push(toUnit(part));
      current = [];
    };
    for (let i = 0; i < own.length; i++) {
      const w = own[i]!;
      const prev = current[current.length - 1];
      if (prev && breaksBetween(prev, w, current, other, maxPause) && !isTrailingFragment(own, i, current, other)) flush();
      current.push(w);
    }
    flush();
  }
  raw.sort((a, b) => a.start - b.start || a.channel - b.channel || a.end - b.end);
  return raw.map((u, i) => ({ id: `u${i + 1}`, ...u }));
}

function breaksBetween(prev: TimedWord, next: TimedWord, current: TimedWord[], other: TimedWord[], maxPause: number): boolean {
  const gap = next.start - prev.end;
  if (gap > maxPause) return true;
  if (SENTENCE_END.test(prev.text) && !ABBREVIATION.test(prev.text)) return true;
  if (otherSpeaksBetween(other, prev.end, next.start)) return true;
  if (gap >= BACKCHANNEL_PAUSE_SEC && current.length <= 2 && BACKCHANNEL.has(current.map((w) => bare(w.text)).join(' '))) return true;
  return false;
}

/** At most this many words after a sentence end, said without a pause, are a tail of that sentence. */
const FRAGMENT_MAX_WORDS = 3;

/**
 * True when the words from `i` are a short tail that a speech recogniser split off the sentence
 * before it ("…which can lower blood pressure. Quite a lot."): at most three words ending in a
 * full stop, said without a pause (under 0.3 s) and without the other person speaking between,
 * after a sentence of at least four words. A question, an exclamation, a backchannel ("Right.",
 * "Okay.") or a thank-you stays a unit of its own. Coded alone, such a tail gets a code its words
 * cannot carry (the demo's "Quite a lot." was coded a confrontation).
 */
function isTrailingFragment(own: TimedWord[], i: number, current: TimedWord[], other: TimedWord[]): boolean {
  const prev = current[current.length - 1]!;
  if (current.length < 4 || !SENTENCE_END.test(prev.text)) return false;
  if (own[i]!.start - prev.end >= BACKCHANNEL_PAUSE_SEC || otherSpeaksBetween(other, prev.end, own[i]!.start)) return false;
  const first = bare(own[i]!.text);
  if (BACKCHANNEL.has(first) || first === 'thanks' || first === 'thank') return false;
  for (let k = i; k < own.length && k < i + FRAGMENT_MAX_WORDS; k++) {
    const w = own[k]!;
    if (k > i && (w.start - own[k - 1]!.end >= BACKCHANNEL_PAUSE_SEC || otherSpeaksBetween(other, own[k - 1]!.end, w.start))) return false;
    if (SENTENCE_END.test(w.text)) return /\.["'”’)\]]*$/.test(w.text) && !ABBREVIATION.test(w.text);
  }
  return false;
}

/** True when a word of the other speaker lies within the gap (its middle inside it): a turn, not an overlap. */
function otherSpeaksBetween(other: TimedWord[], from: number, to: number): boolean {
  if (to <= from) return false;
  let lo = 0;
  let hi = other.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (other[mid]!.start < from - 0.05) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < other.length && other[i]!.start <= to; i++) {
    const w = other[i]!;
    const middle = (w.start + w.end) / 2;
    if (middle >= from && middle <= to) return true;
  }
  return false;
}

function cutLong(words: TimedWord[], maxWords: number): TimedWord[][] {
  const out: TimedWord[][] = [];
  let rest = words;
  while (rest.length > maxWords) {
    let cut = maxWords;
    // Prefer the last clause boundary in the second half of the window.
    for (let k = maxWords; k >= Math.ceil(maxWords / 2); k--) {
      if (CLAUSE_END.test(rest[k - 1]!.text)) {
        cut = k;
        break;
      }
    }
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0) out.push(rest);
  return out;
}

function toUnit(words: TimedWord[]): Omit<TranscriptUnit, 'id'> {
  const first = words[0]!;
  const last = words[words.length - 1]!;
  return { channel: first.channel, start: round(first.start), end: round(Math.max(last.end, first.start)), text: words.map((w) => w.text).join(' ') };
}

/** Words of one channel in spoken order, empty ones dropped, ends never before starts. */
function channelWords(transcript: Pick<Transcript, 'segments'>, channel: Channel): TimedWord[] {
  const segments = transcript.segments.filter((s) => s.channel === channel).sort((a, b) => a.start - b.start);
  const out: TimedWord[] = [];
  for (const s of segments) {
    const source: Word[] = s.words.length > 0 ? s.words : spread(s.text, s.start, s.end);
    for (const w of source) {
      const text = w.text.trim();
      if (text === '') continue;
      out.push({ channel, text, start: w.start, end: Math.max(w.end, w.start) });
    }
  }
  return out;
}

function spread(text: string, start: number, end: number): Word[] {
  const tokens = text.split(/\s+/).filter(Boolean);
  const step = tokens.length > 0 ? Math.max(0, end - start) / tokens.length : 0;
  return tokens.map((t, k) => ({ text: t, start: start + k * step, end: start + (k + 1) * step }));
}

function bare(word: string): string {
  return word.toLowerCase().replace(/[^a-z'-]/g, '');
}

const round = (x: number) => Math.round(x * 100) / 100;

/** "mm:ss" (minutes keep counting past the hour, as in the prompt). */
export function unitClock(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export const SPEAKER_LABEL = { 0: 'CLINICIAN', 1: 'PATIENT' } as const;

/** One line of the numbered transcript the model reads: `u12 [01:23] CLINICIAN: text`. */
export function renderUnit(u: TranscriptUnit): string {
  return `${u.id} [${unitClock(u.start)}] ${SPEAKER_LABEL[u.channel]}: ${u.text}`;
}

export function renderUnits(units: readonly TranscriptUnit[]): string {
  return units.map(renderUnit).join('\n');
}

/** Units by id, for checking what a model cited. */
export function unitIndex(units: readonly TranscriptUnit[]): Map<string, TranscriptUnit> {
  return new Map(units.map((u) => [u.id, u]));
}

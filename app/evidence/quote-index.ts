import type { Channel, Transcript, Word } from '../transcript/transcript';
import type { SubstitutionCosts } from './align-quote';
import { joinNumberPair, wordTokens } from './normalize-words';

/** One comparison token of the transcript, with the time and the original words it came from. */
export interface IndexedToken {
  /** Vocabulary id of the normalised text (equal ids = equal text). */
  id: number;
  start: number;
  end: number;
  /** Indices into the channel's word list of the first and last original word this token covers. */
  firstWord: number;
  lastWord: number;
  /** A quote may not span a block boundary. */
  block: number;
}

export interface QuoteIndex {
  vocabulary: string[];
  ids: Map<string, number>;
  channels: [IndexedToken[], IndexedToken[]];
  /** Every original word of each channel in order, hesitations included (for the matched text). */
  words: [Word[], Word[]];
  /** Word substitution costs computed so far, shared by every quote checked against this transcript. */
  costs: SubstitutionCosts;
}

/**
 * The word stream of each channel, normalised once per transcript (cached by object identity).
 *
 * Consecutive segments of one channel form one block, so a quote may span a segment boundary,
 * unless the other channel starts speaking in between (a quote never stitches two turns together
 * around the other person's words) or the gap exceeds `MAX_JOIN_GAP_SEC`.
 */
export const MAX_JOIN_GAP_SEC = 3;
const cache = new WeakMap<Transcript, QuoteIndex>();

export function quoteIndex(transcript: Transcript): QuoteIndex {
  let index = cache.get(transcript);
  if (!index) {
    index = buildQuoteIndex(transcript);
    cache.set(transcript, index);
  }
  return index;
}

export function buildQuoteIndex(transcript: Transcript): QuoteIndex {
  const vocabulary: string[] = [];
  const ids = new Map<string, number>();
  const intern = (t: string): number => {
    let id = ids.get(t);
    if (id === undefined) {
      id = vocabulary.length;
      vocabulary.push(t);
      ids.set(t, id);
    }
    return id;
  };
  const otherStarts: [number[], number[]] = [[], []];
  for (const s of transcript.segments) otherStarts[s.channel === 0 ? 1 : 0].push(s.start);
  otherStarts[0].sort((a, b) => a - b);
  otherStarts[1].sort((a, b) => a - b);

  const allWords: [Word[], Word[]] = [[], []];
  const build = (channel: Channel): IndexedToken[] => {
    const channelWords = allWords[channel];
    const tokens: { text: string; start: number; end: number; firstWord: number; lastWord: number; segment: number }[] = [];
    const segments = transcript.segments.filter((s) => s.channel === channel).sort((a, b) => a.start - b.start);
    segments.forEach((seg, segIndex) => {
      const words = seg.words.length > 0 ? seg.words : interpolatedWords(seg.text, seg.start, seg.end);
      for (const w of words) {
        const wi = channelWords.push(w) - 1;
        const parts = wordTokens(w.text);
        const last = tokens[tokens.length - 1];
        // A recogniser may emit "'t" or "'s" as its own word: it belongs to the word before.
        if (last && last.segment === segIndex && /^\s*['\u2019]/.test(w.text) && parts.length === 1) {
          last.text += parts[0];
          last.end = w.end;
          last.lastWord = wi;
          continue;
        }
        for (const p of parts) {
          const before = tokens[tokens.length - 1];
          const joined = before && before.segment === segIndex ? joinNumberPair(before.text, p) : null;
          if (joined !== null && before) {
            before.text = joined;
            before.end = w.end;
            before.lastWord = wi;
          } else tokens.push({ text: p, start: w.start, end: w.end, firstWord: wi, lastWord: wi, segment: segIndex });
        }
      }
    });
    let block = 0;
    return tokens.map((t, i) => {
      const prev = tokens[i - 1];
      if (prev && prev.segment !== t.segment && (t.start - prev.end > MAX_JOIN_GAP_SEC || startsWithin(otherStarts[channel], prev.end, t.start))) block++;
      return { id: intern(t.text), start: t.start, end: t.end, firstWord: t.firstWord, lastWord: t.lastWord, block };
    });
  };
  const channels: [IndexedToken[], IndexedToken[]] = [build(0), build(1)];
  return { vocabulary, ids, channels, words: allWords, costs: new Map() };
}

/** Times for a segment without word timestamps: spread over the segment in proportion to characters. */
function interpolatedWords(text: string, start: number, end: number): Word[] {
  const raw = text.split(/\s+/).filter((w) => w.length > 0);
  const total = raw.reduce((n, w) => n + w.length, 0) || 1;
  let offset = 0;
  return raw.map((w) => {
    const s = start + ((end - start) * offset) / total;
    offset += w.length;
    return { text: w, start: s, end: start + ((end - start) * offset) / total };
  });
}

/** Whether a sorted list holds a value in [from, to]. Binary search. */
function startsWithin(sorted: number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]! <= to;
}

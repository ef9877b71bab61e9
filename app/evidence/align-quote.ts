import type { IndexedToken } from './quote-index';

export interface QuoteAlignment {
  /** Index of the first and one past the last matched transcript token. */
  from: number;
  to: number;
  /** Edit cost: 1 per missing or extra word, 1 − similarity per substituted word. */
  cost: number;
  /** 1 − cost / max(quote words, matched words). */
  similarity: number;
}

/** Substitution cost of a quote word against each transcript vocabulary id (−1 = not computed yet); reuse it across quotes of one transcript. */
export type SubstitutionCosts = Map<string, Float32Array>;

/** Words less alike than this are plain substitutions (cost 1); closer ones cost 1 − similarity. */
const MIN_WORD_SIMILARITY = 0.7;

/**
 * Best approximate occurrence of the quote tokens anywhere inside one block of transcript tokens:
 * semi-global edit-distance alignment (free start and end in the transcript), one pass over the
 * tokens with two columns of quote length. Cost O(n·m) time and O(m + m·V) memory for n transcript
 * tokens, m quote tokens and V distinct transcript words (the word-cost cache, shared across quotes).
 */
export function alignQuote(quote: string[], tokens: IndexedToken[], vocabulary: string[], costs: SubstitutionCosts = new Map()): QuoteAlignment | null {
  const m = quote.length;
  if (m === 0 || tokens.length === 0) return null;
  const rows = quote.map((w) => {
    let row = costs.get(w);
    if (!row || row.length < vocabulary.length) {
      row = new Float32Array(vocabulary.length).fill(-1);
      costs.set(w, row);
    }
    return row;
  });
  const subCost = (i: number, id: number): number => {
    const row = rows[i]!;
    let c = row[id]!;
    if (c < 0) {
      const sim = wordSimilarity(quote[i]!, vocabulary[id]!);
      c = sim >= MIN_WORD_SIMILARITY ? 1 - sim : 1;
      row[id] = c;
    }
    return c;
  };

  let prev = new Float64Array(m + 1);
  let prevStart = new Int32Array(m + 1);
  let cur = new Float64Array(m + 1);
  let curStart = new Int32Array(m + 1);
  let best: QuoteAlignment | null = null;

  for (let j = 0; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (j === 0 || tokens[j - 1]!.block !== t.block) {
      for (let i = 0; i <= m; i++) {
        prev[i] = i;
        prevStart[i] = j;
      }
    }
    cur[0] = 0;
    curStart[0] = j + 1;
    for (let i = 1; i <= m; i++) {
      let c = prev[i - 1]! + subCost(i - 1, t.id);
      let s = prevStart[i - 1]!;
      const extraWord = prev[i]! + 1;
      if (extraWord < c) {
        c = extraWord;
        s = prevStart[i]!;
      }
      const missingWord = cur[i - 1]! + 1;
      if (missingWord < c) {
        c = missingWord;
        s = curStart[i - 1]!;
      }
      cur[i] = c;
      curStart[i] = s;
    }
    const from = curStart[m]!;
    const length = j + 1 - from;
    if (length > 0) {
      const similarity = Math.max(0, 1 - cur[m]! / Math.max(m, length));
      if (!best || similarity > best.similarity + 1e-12) {
        best = { from, to: j + 1, cost: cur[m]!, similarity };
        if (similarity >= 1) break;
      }
    }
    [prev, cur] = [cur, prev];
    [prevStart, curStart] = [curStart, prevStart];
  }
  return best;
}

/** 1 − Levenshtein distance / longer length, over characters; 0 as soon as it must fall below MIN_WORD_SIMILARITY. */
export function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 1;
  const maxDist = Math.floor(longer * (1 - MIN_WORD_SIMILARITY) + 1e-9);
  if (Math.abs(a.length - b.length) > maxDist) return 0;
  // Different numbers are different facts, however alike their digits look.
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return 0;
  let row = rowA.length > b.length ? rowA : (rowA = new Int32Array(b.length + 16));
  let next = rowB.length > b.length ? rowB : (rowB = new Int32Array(b.length + 16));
  for (let k = 0; k <= b.length; k++) row[k] = k;
  for (let i = 1; i <= a.length; i++) {
    next[0] = i;
    let rowMin = i;
    for (let k = 1; k <= b.length; k++) {
      const v = Math.min(row[k]! + 1, next[k - 1]! + 1, row[k - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(k - 1) ? 0 : 1));
      next[k] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > maxDist) return 0;
    [row, next] = [next, row];
  }
  const d = row[b.length]!;
  return d > maxDist ? 0 : 1 - d / longer;
}

// Scratch rows reused across calls: the function runs millions of times on long transcripts.
let rowA = new Int32Array(64);
let rowB = new Int32Array(64);

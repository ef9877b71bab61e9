/**
 * Word error rate: (substitutions + deletions + insertions) / reference words, from a minimum
 * edit-distance alignment of normalised word sequences. Normalisation is light on purpose:
 * lower case, punctuation dropped (apostrophes inside words kept), hyphens split, and
 * integers 0–9999 spelled out so "3" and "three" agree.
 */
export interface WerResult {
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  refWords: number;
  hypWords: number;
}

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

export function numberToWords(n: number): string[] {
  if (n < 20) return [ONES[n]!];
  if (n < 100) return n % 10 === 0 ? [TENS[Math.floor(n / 10)]!] : [TENS[Math.floor(n / 10)]!, ONES[n % 10]!];
  if (n < 1000) return [ONES[Math.floor(n / 100)]!, 'hundred', ...(n % 100 ? numberToWords(n % 100) : [])];
  return [...numberToWords(Math.floor(n / 1000)), 'thousand', ...(n % 1000 ? numberToWords(n % 1000) : [])];
}

export function normaliseWords(text: string): string[] {
  const words: string[] = [];
  const cleaned = text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/(\d),(\d{3})/g, '$1$2')
    .replace(/[-\u2013\u2014/]/g, ' ')
    .replace(/[^a-z0-9' ]+/g, ' ');
  for (const token of cleaned.split(/\s+/)) {
    const word = token.replace(/^'+|'+$/g, '');
    if (!word) continue;
    if (/^\d+$/.test(word) && word.length <= 4) words.push(...numberToWords(Number(word)));
    else words.push(word);
  }
  return words;
}

export function computeWer(refText: string, hypText: string): WerResult {
  const ref = normaliseWords(refText);
  const hyp = normaliseWords(hypText);
  let substitutions = 0;
  let deletions = 0;
  let insertions = 0;
  for (const [i, j] of alignWords(ref, hyp)) {
    if (i === null) insertions++;
    else if (j === null) deletions++;
    else if (ref[i] !== hyp[j]) substitutions++;
  }
  const n = ref.length;
  const m = hyp.length;
  const errors = substitutions + deletions + insertions;
  return { wer: n === 0 ? (m === 0 ? 0 : 1) : errors / n, substitutions, deletions, insertions, refWords: n, hypWords: m };
}

/**
 * A minimum edit-distance alignment of two word sequences, in order: [ref index, hyp index] for a
 * match or substitution, [ref index, null] for a deletion, [null, hyp index] for an insertion.
 */
export function alignWords(ref: readonly string[], hyp: readonly string[]): Array<[number | null, number | null]> {
  const n = ref.length;
  const m = hyp.length;
  // cost[i][j]: edits to turn ref[0..i) into hyp[0..j); ties prefer substitution, then deletion.
  const cost: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = 0; i <= n; i++) cost[i]![0] = i;
  for (let j = 0; j <= m; j++) cost[0]![j] = j;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const sub = cost[i - 1]![j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      cost[i]![j] = Math.min(sub, cost[i - 1]![j]! + 1, cost[i]![j - 1]! + 1);
    }
  }
  const pairs: Array<[number | null, number | null]> = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const here = cost[i]![j]!;
    if (i > 0 && j > 0 && here === cost[i - 1]![j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1)) {
      pairs.push([--i, --j]);
    } else if (i > 0 && here === cost[i - 1]![j]! + 1) {
      pairs.push([--i, null]);
    } else {
      pairs.push([null, --j]);
    }
  }
  return pairs.reverse();
}

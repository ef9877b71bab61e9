/**
 * Normalises text to comparison tokens, so that a quote and the transcript compare equal despite
 * case, punctuation, apostrophes, hyphens, accents, hesitation sounds and simple number spelling
 * ("twenty-five" = "25", "1,000" = "1000").
 */
const HESITATIONS = new Set(['um', 'umm', 'uh', 'uhh', 'er', 'erm', 'uhm', 'hmm', 'hm', 'mm', 'mmm', 'mhm']);
const UNITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const NUMBER_WORDS = new Map<string, number>([...UNITS.map((w, i) => [w, i] as const), ...TENS.map((w, i) => [w, i * 10] as const).filter(([w]) => w !== '')]);
const SPELLING = new Map([['ok', 'okay'], ['alright', 'all right']]);

/** Splits text into normalised tokens (possibly none), number pairs joined. */
export function normalizeWords(text: string): string[] {
  const out: string[] = [];
  for (const t of wordTokens(text)) {
    const joined = out.length > 0 ? joinNumberPair(out[out.length - 1]!, t) : null;
    if (joined !== null) out[out.length - 1] = joined;
    else out.push(t);
  }
  return out;
}

/** Normalised tokens of one piece of text, number words as digits, pairs not yet joined. */
export function wordTokens(text: string): string[] {
  const cleaned = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/%/g, ' percent ')
    .replace(/&/g, ' and ')
    .replace(/['\u2018\u2019\u02bc`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ');
  const out: string[] = [];
  for (const raw of cleaned.split(' ')) {
    if (raw === '' || HESITATIONS.has(raw)) continue;
    const word = SPELLING.get(raw) ?? raw;
    for (const w of word.split(' ')) {
      const n = NUMBER_WORDS.get(w);
      out.push(n === undefined ? w : String(n));
    }
  }
  return out;
}

/** "20" followed by "5" is "25" (from "twenty-five" or "twenty five"); null when the pair is not one number. */
export function joinNumberPair(a: string, b: string): string | null {
  if (!/^[2-9]0$/.test(a) || !/^[1-9]$/.test(b)) return null;
  return String(Number(a) + Number(b));
}

import type { Segment } from '../../app/transcript/transcript';

/**
 * The words of the stretch itself: those of the leading context were stored already. Word times
 * near the 0.4 s splice are off by a word either way, so the context's end is where the words
 * decoded so far match the context's stored words best (edit distance), the nearest to the time
 * boundary among equals. `from`: where the stretch itself starts (its padding included).
 */
export function withoutContext(segments: Segment[], from: number, contextWords: string[]): Segment[] {
  const words = segments.flatMap((seg, i) => seg.words.map((w) => ({ w, i })));
  const byTime = words.findIndex(({ w }) => (w.start + w.end) / 2 >= from);
  const split = bestPrefix(words.map(({ w }) => w.text), contextWords, byTime < 0 ? words.length : byTime);
  const out: Segment[] = [];
  segments.forEach((seg, i) => {
    const kept = words.slice(split).filter((x) => x.i === i).map((x) => x.w);
    if (kept.length === seg.words.length) out.push(seg);
    else if (kept.length) out.push({ ...seg, start: kept[0]!.start, end: kept[kept.length - 1]!.end, text: kept.map((w) => w.text).join(' '), words: kept });
  });
  return out;
}

/** The k for which words[0..k) is closest to `context` (word edit distance); ties go nearest `prior`. */
function bestPrefix(words: string[], context: string[], prior: number): number {
  const norm = (t: string) => t.toLowerCase().replace(/[^a-z0-9']/g, '');
  const a = words.map(norm);
  const b = context.map(norm);
  // row[k] = distance between context[0..j) and words[0..k), for j = 0..b.length.
  let row = a.map((_, k) => k + 1);
  row.unshift(0);
  for (let j = 1; j <= b.length; j++) {
    const next = [j];
    for (let k = 1; k <= a.length; k++) next.push(Math.min(row[k]! + 1, next[k - 1]! + 1, row[k - 1]! + (a[k - 1] === b[j - 1] ? 0 : 1)));
    row = next;
  }
  let best = prior;
  for (let k = 0; k <= a.length; k++) {
    if (row[k]! < row[best]! || (row[k] === row[best] && Math.abs(k - prior) < Math.abs(best - prior))) best = k;
  }
  return best;
}

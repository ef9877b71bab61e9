/** Half-open time spans in seconds. All functions take and return spans sorted by start. */
export interface Span {
  start: number;
  end: number;
}

/** Sorts, drops empty spans, and merges spans that overlap or are separated by less than `joinGapSec`. */
export function unionSpans(spans: Span[], joinGapSec = 0): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start - last.end < joinGapSec + 1e-9) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** Intersection of two disjoint sorted span lists (two-pointer sweep, linear). */
export function intersectSpans(a: Span[], b: Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (end > start) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

export function totalLength(spans: Span[]): number {
  return spans.reduce((sum, s) => sum + (s.end - s.start), 0);
}

/** The gaps between consecutive spans of a disjoint sorted list (leading and trailing silence excluded). */
export function gapsBetween(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (let i = 1; i < spans.length; i++) out.push({ start: spans[i - 1]!.end, end: spans[i]!.start });
  return out;
}

/** First instant of `s` not covered by the disjoint sorted list `cover`, or null when fully covered. */
export function firstUncovered(s: Span, cover: Span[]): number | null {
  let t = s.start;
  for (const c of cover) {
    if (c.end <= t) continue;
    if (c.start > t) break;
    t = c.end;
  }
  return t < s.end - 1e-9 ? t : null;
}

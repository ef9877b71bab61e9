import { z } from 'zod';
import { KINDS, type Kind } from './kinds';
import { detect } from './redaction';

export const LabelledSpan = z.object({ start: z.number().int().nonnegative(), end: z.number().int().positive(), kind: z.enum(KINDS) });
export type LabelledSpan = z.infer<typeof LabelledSpan>;

export const LabelledLine = z.object({
  text: z.string().min(1),
  participants: z.array(z.object({ name: z.string().min(1), channel: z.union([z.literal(0), z.literal(1)]).optional() })),
  extraNames: z.array(z.string().min(1)).optional(),
  spans: z.array(LabelledSpan),
});
export type LabelledLine = z.infer<typeof LabelledLine>;

/** Parses the JSONL labelled set; throws naming the first bad line. */
export function parseLabelledSet(jsonl: string): LabelledLine[] {
  const out: LabelledLine[] = [];
  jsonl.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    const parsed = LabelledLine.safeParse(JSON.parse(raw));
    if (!parsed.success) throw new Error(`labelled set line ${i + 1}: ${parsed.error.message}`);
    out.push(parsed.data);
  });
  return out;
}

/** What is wrong with a line's spans: out of range, empty, padded with spaces, or overlapping. */
export function spanProblems(line: LabelledLine): string[] {
  const problems: string[] = [];
  const sorted = [...line.spans].sort((a, b) => a.start - b.start);
  sorted.forEach((s, i) => {
    const where = `${s.kind} [${s.start}, ${s.end})`;
    if (s.end <= s.start || s.end > line.text.length) problems.push(`${where} is outside the text or empty`);
    const value = line.text.slice(s.start, s.end);
    if (value !== value.trim()) problems.push(`${where} "${value}" starts or ends with whitespace`);
    if (/^[,;:!?.]|[,;:!?]$/.test(value)) problems.push(`${where} "${value}" starts or ends with punctuation`);
    const prev = sorted[i - 1];
    if (prev && prev.end > s.start) problems.push(`${where} overlaps ${prev.kind} [${prev.start}, ${prev.end})`);
  });
  return problems;
}

export interface Score {
  labelled: number;
  predicted: number;
  matched: number;
  precision: number;
  recall: number;
}

export interface Evaluation {
  perKind: Record<Kind, Score>;
  overall: Score;
  /** Labelled spans the redactor did not find, and spans it found that are not labelled. */
  missed: { kind: Kind; value: string; text: string }[];
  spurious: { kind: Kind; value: string; text: string }[];
}

function overlap(a: { start: number; end: number }, b: { start: number; end: number }): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}

/**
 * A found span matches a labelled one when the kinds are equal and they share at least half of the
 * longer of the two; each span matches at most once. Precision is 1 when nothing was predicted.
 */
export function evaluateRedaction(lines: readonly LabelledLine[]): Evaluation {
  const tally = Object.fromEntries(KINDS.map((k) => [k, { labelled: 0, predicted: 0, matched: 0 }])) as Record<Kind, { labelled: number; predicted: number; matched: number }>;
  const missed: Evaluation['missed'] = [];
  const spurious: Evaluation['spurious'] = [];
  for (const line of lines) {
    const predicted = detect(line.text, { participants: line.participants, extraNames: line.extraNames ?? [] });
    const used = new Set<number>();
    for (const p of predicted) tally[p.kind].predicted += 1;
    for (const l of line.spans) {
      tally[l.kind].labelled += 1;
      const hit = predicted.findIndex((p, i) => !used.has(i) && p.kind === l.kind && overlap(p, l) >= 0.5 * Math.max(p.end - p.start, l.end - l.start));
      if (hit >= 0) {
        used.add(hit);
        tally[l.kind].matched += 1;
      } else missed.push({ kind: l.kind, value: line.text.slice(l.start, l.end), text: line.text });
    }
    predicted.forEach((p, i) => {
      if (!used.has(i)) spurious.push({ kind: p.kind, value: line.text.slice(p.start, p.end), text: line.text });
    });
  }
  const score = (t: { labelled: number; predicted: number; matched: number }): Score => ({
    ...t,
    precision: t.predicted === 0 ? 1 : t.matched / t.predicted,
    recall: t.labelled === 0 ? 1 : t.matched / t.labelled,
  });
  const sum = KINDS.reduce((a, k) => ({ labelled: a.labelled + tally[k].labelled, predicted: a.predicted + tally[k].predicted, matched: a.matched + tally[k].matched }), { labelled: 0, predicted: 0, matched: 0 });
  return { perKind: Object.fromEntries(KINDS.map((k) => [k, score(tally[k])])) as Record<Kind, Score>, overall: score(sum), missed, spurious };
}

/** A fixed-width table for logs and the benchmark. */
export function formatEvaluation(e: Evaluation): string {
  const row = (name: string, s: Score) =>
    `${name.padEnd(8)} ${String(s.labelled).padStart(8)} ${String(s.predicted).padStart(9)} ${String(s.matched).padStart(7)} ${s.precision.toFixed(3).padStart(9)} ${s.recall.toFixed(3).padStart(7)}`;
  return [`${'kind'.padEnd(8)} labelled predicted matched precision  recall`, ...KINDS.map((k) => row(k, e.perKind[k])), row('overall', e.overall)].join('\n');
}

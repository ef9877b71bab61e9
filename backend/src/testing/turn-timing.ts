import { alignWords, normaliseWords } from '../../../app/transcript/wer';
import type { Segment } from '../../../app/transcript/transcript';
import type { GroundTruthLine } from './ground-truth-transcript';

/**
 * How well a transcript keeps each word in the turn it was spoken in, against ground-truth lines
 * (one turn each, with its channel and time). A word belongs to the line of its channel whose
 * span, widened by `toleranceSec`, holds the whole word; a word no such line holds is misplaced.
 * Reading the segments in time order, a turn is split when a segment of the other speaker comes
 * between two of its segments, unless the ground truth itself has that speaker talking during the
 * turn (a backchannel such as "Right." inside a long answer).
 */
export interface TurnTimingReport {
  words: number;
  misplacedWords: Array<{ channel: 0 | 1; text: string; start: number; end: number }>;
  zeroLengthSegments: Array<{ channel: 0 | 1; text: string; start: number }>;
  zeroLengthWords: number;
  splitTurns: Array<{ line: number; text: string; by: string }>;
}

export function turnTiming(lines: readonly GroundTruthLine[], segments: readonly Segment[], toleranceSec = 0.3): TurnTimingReport {
  const report: TurnTimingReport = { words: 0, misplacedWords: [], zeroLengthSegments: [], zeroLengthWords: 0, splitTurns: [] };
  const ordered = [...segments].sort((a, b) => a.start - b.start || a.channel - b.channel);
  const segLines = ordered.map(() => new Set<number>());
  for (const channel of [0, 1] as const) {
    // Reference tokens of this channel's lines and hypothesis tokens of its words, each knowing its origin.
    const ref = lines.flatMap((l, i) => (l.channel === channel ? normaliseWords(l.text).map((t) => ({ t, line: i })) : []));
    const hyp = ordered.flatMap((s, k) => (s.channel === channel ? s.words.flatMap((w, n) => normaliseWords(w.text).map((t) => ({ t, seg: k, word: n }))) : []));
    const lineOfToken = new Map<number, number>();
    for (const [i, j] of alignWords(ref.map((x) => x.t), hyp.map((x) => x.t))) if (i !== null && j !== null) lineOfToken.set(j, ref[i]!.line);
    // A word's line: that of its first aligned token; an inserted word's, that of a neighbour (either is accepted).
    const words = new Map<string, { seg: number; word: number; lines: number[] }>();
    for (const [j, h] of hyp.entries()) {
      const key = `${h.seg}:${h.word}`;
      const entry = words.get(key) ?? { seg: h.seg, word: h.word, lines: [] };
      const line = lineOfToken.get(j);
      if (line !== undefined && !entry.lines.length) entry.lines.push(line);
      words.set(key, entry);
    }
    const list = [...words.values()];
    for (const [k, w] of list.entries()) {
      if (w.lines.length) continue;
      const before = list.slice(0, k).reverse().find((x) => x.lines.length);
      const after = list.slice(k + 1).find((x) => x.lines.length);
      w.lines = [before?.lines[0], after?.lines[0]].filter((x): x is number => x !== undefined);
    }
    for (const w of list) {
      const word = ordered[w.seg]!.words[w.word]!;
      const inside = w.lines.filter((i) => word.start >= lines[i]!.start - toleranceSec && word.end <= lines[i]!.end + toleranceSec);
      if (!inside.length) report.misplacedWords.push({ channel, text: word.text, start: word.start, end: word.end });
      for (const i of inside.length ? inside : w.lines.slice(0, 1)) segLines[w.seg]!.add(i);
    }
  }
  for (const s of ordered) {
    if (s.end - s.start <= 0) report.zeroLengthSegments.push({ channel: s.channel, text: s.text, start: s.start });
    for (const w of s.words) {
      report.words++;
      if (w.end - w.start <= 0) report.zeroLengthWords++;
    }
  }
  const overlaps = (a: GroundTruthLine, b: GroundTruthLine) => a.start < b.end && b.start < a.end;
  for (const [i, line] of lines.entries()) {
    const at = ordered.flatMap((_, k) => (segLines[k]!.has(i) ? [k] : []));
    if (at.length < 2) continue;
    for (let k = at[0]! + 1; k < at[at.length - 1]!; k++) {
      const s = ordered[k]!;
      if (s.channel === line.channel) continue;
      if (![...segLines[k]!].some((j) => overlaps(lines[j]!, line))) {
        report.splitTurns.push({ line: i, text: line.text, by: s.text });
        break;
      }
    }
  }
  return report;
}

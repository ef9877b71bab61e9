import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Segment, Transcript } from '../../../app/transcript/transcript';
import { resourcesDir } from '../paths';

export interface GroundTruthLine {
  channel: 0 | 1;
  text: string;
  start: number;
  end: number;
}

/**
 * The sample session's script as a transcript, one segment per line with word times spread evenly
 * over the line: a perfect transcript to run the analysis on without speech-to-text.
 */
export function groundTruthTranscript(file = path.join(resourcesDir, 'sample-session', 'ground-truth.json')): Transcript {
  const gt = JSON.parse(readFileSync(file, 'utf8')) as { durationSec: number; lines: GroundTruthLine[] };
  return transcriptFromLines(gt.lines, gt.durationSec);
}

export function transcriptFromLines(lines: readonly GroundTruthLine[], durationSec: number): Transcript {
  const segments: Segment[] = lines.map((l) => {
    const tokens = l.text.split(/\s+/).filter(Boolean);
    const step = (l.end - l.start) / Math.max(1, tokens.length);
    const r = (x: number) => Math.round(x * 100) / 100;
    return { channel: l.channel, start: l.start, end: l.end, text: l.text, words: tokens.map((t, k) => ({ text: t, start: r(l.start + k * step), end: r(l.start + (k + 1) * step) })) };
  });
  segments.sort((a, b) => a.start - b.start || a.channel - b.channel);
  return { segments, language: 'en', durationSec, engine: { name: 'ground-truth', model: 'script' } };
}

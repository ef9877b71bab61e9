import type { TranscriptUnit } from '../../app/transcript/units';
import type { SessionScript, UtteranceCodes } from '../sample-session/session-script';
import { lineSentences } from './contrast-pairs';

/**
 * A contrast-pair script as transcript units, straight from the script (its ground truth) rather
 * than through synthesis and STT, which are measured elsewhere: one unit per sentence (the split
 * the script's codes refer to), times laid out from the script's gaps and overlaps at about 2.5
 * words a second. Clinician units carry the script's codes.
 */
export function scriptUnits(script: SessionScript): { units: TranscriptUnit[]; codes: Map<string, UtteranceCodes> } {
  const raw: Array<Omit<TranscriptUnit, 'id'> & { codes?: UtteranceCodes }> = [];
  let end = script.leadInSec;
  for (const line of script.lines) {
    const sentences = lineSentences(line.text);
    const start = line.overlapSec !== undefined ? Math.max(0, end - line.overlapSec) : end + (line.gapSec ?? 0.5);
    let t = start;
    sentences.forEach((s, i) => {
      const d = Math.max(0.5, s.split(/\s+/).length / 2.5);
      raw.push({ channel: line.channel, start: round(t), end: round(t + d), text: s, ...(line.codes?.[i] ? { codes: line.codes[i] } : {}) });
      t += d + 0.15;
    });
    end = Math.max(end, t);
  }
  raw.sort((a, b) => a.start - b.start || a.channel - b.channel);
  const codes = new Map<string, UtteranceCodes>();
  const units = raw.map(({ codes: c, ...u }, i) => {
    const id = `u${i + 1}`;
    if (c) codes.set(id, c);
    return { id, ...u };
  });
  return { units, codes };
}

const round = (x: number) => Math.round(x * 100) / 100;

import type { Channel, SpeechRegion } from '../transcript/transcript';

/**
 * Energy-based voice-activity detection for one channel of a two-channel recording.
 *
 * Frame energies (dBFS) are compared with two thresholds (hysteresis): a region starts when a
 * frame is above the start threshold and lasts while frames stay above the lower continue
 * threshold, bridging dips shorter than the hangover. The start threshold is the highest of
 *  - the channel's noise floor (a low percentile of frame energies) plus a margin,
 *  - the channel's loud-speech level (a high percentile) minus `maxBelowPeakDb`, so that the far
 *    party's bleed, much quieter than the owner's own voice, does not count as speech,
 *  - an absolute floor, so that a channel of pure low-level noise or bleed stays silent.
 * Regions shorter than `minSpeechSec` are dropped, the rest padded and merged when close.
 */
export interface VadOptions {
  frameSec: number;
  /** dB above the noise floor a frame must reach to start speech. */
  startMarginDb: number;
  /** dB below the start threshold a frame may fall and still continue speech. */
  hysteresisDb: number;
  /** Frames this far below the channel's loud-speech level never start speech. */
  maxBelowPeakDb: number;
  /** No speech starts below this frame level (dBFS). */
  absoluteStartDb: number;
  minSpeechSec: number;
  /** Dips below the continue threshold shorter than this do not end a region. */
  hangoverSec: number;
  /** Added before and after each region. */
  padSec: number;
  /** Regions closer than this (after padding) are merged. */
  mergeGapSec: number;
}

export const defaultVadOptions: VadOptions = {
  frameSec: 0.02,
  startMarginDb: 12,
  hysteresisDb: 8,
  maxBelowPeakDb: 26,
  absoluteStartDb: -50,
  minSpeechSec: 0.12,
  hangoverSec: 0.25,
  padSec: 0.05,
  mergeGapSec: 0.3,
};

const SILENCE_DB = -120;

export function frameEnergiesDb(pcm: Float32Array, sampleRate: number, frameSec: number): Float32Array {
  const frameLen = Math.max(1, Math.round(sampleRate * frameSec));
  const n = Math.floor(pcm.length / frameLen);
  const out = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    let sum = 0;
    const base = f * frameLen;
    for (let i = 0; i < frameLen; i++) {
      const s = pcm[base + i]!;
      sum += s * s;
    }
    const mean = sum / frameLen;
    out[f] = mean > 0 ? Math.max(SILENCE_DB, 10 * Math.log10(mean)) : SILENCE_DB;
  }
  return out;
}

function percentile(values: Float32Array, p: number): number {
  if (values.length === 0) return SILENCE_DB;
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * (sorted.length - 1))))]!;
}

export function detectSpeech(pcm: Float32Array, sampleRate: number, channel: Channel, opts: Partial<VadOptions> = {}): SpeechRegion[] {
  const o: VadOptions = { ...defaultVadOptions, ...opts };
  const energies = frameEnergiesDb(pcm, sampleRate, o.frameSec);
  if (energies.length === 0) return [];
  const durationSec = pcm.length / sampleRate;

  const noiseFloor = percentile(energies, 0.1);
  const loudLevel = percentile(energies, 0.995);
  const start = Math.max(noiseFloor + o.startMarginDb, loudLevel - o.maxBelowPeakDb, o.absoluteStartDb);
  const cont = start - o.hysteresisDb;
  const hangFrames = Math.round(o.hangoverSec / o.frameSec);

  const raw: Array<[number, number]> = [];
  let open = -1;
  let lastActive = -1;
  for (let f = 0; f < energies.length; f++) {
    const e = energies[f]!;
    if (open < 0) {
      if (e >= start) {
        open = f;
        lastActive = f;
      }
    } else if (e >= cont) {
      lastActive = f;
    } else if (f - lastActive > hangFrames) {
      raw.push([open, lastActive + 1]);
      open = -1;
    }
  }
  if (open >= 0) raw.push([open, lastActive + 1]);

  // Soft onsets and decays sit between the two thresholds: extend each region over the
  // neighbouring frames that are still above the continue threshold.
  const extended = raw.map(([a, b]): [number, number] => {
    while (a > 0 && energies[a - 1]! >= cont) a--;
    while (b < energies.length && energies[b]! >= cont) b++;
    return [a, b];
  });

  const regions: SpeechRegion[] = [];
  for (const [a, b] of extended) {
    if ((b - a) * o.frameSec < o.minSpeechSec) continue;
    const s = Math.max(0, a * o.frameSec - o.padSec);
    const e = Math.min(durationSec, b * o.frameSec + o.padSec);
    const prev = regions[regions.length - 1];
    if (prev && s - prev.end <= o.mergeGapSec) prev.end = Math.max(prev.end, e);
    else regions.push({ channel, start: round3(s), end: round3(e) });
  }
  return regions.map((r) => ({ channel: r.channel, start: round3(r.start), end: round3(r.end) }));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function totalSpeechSec(regions: SpeechRegion[], durationSec?: number): number {
  return regions.reduce((sum, r) => {
    const start = Math.max(0, r.start);
    const end = durationSec === undefined ? r.end : Math.min(durationSec, r.end);
    return sum + Math.max(0, end - start);
  }, 0);
}

/** A channel with less than `minSpeechSec` of detected speech in total is treated as silent. */
export function isSilentChannel(regions: SpeechRegion[], durationSec: number, minSpeechSec = 0.5): boolean {
  return totalSpeechSec(regions, durationSec) < minSpeechSec;
}

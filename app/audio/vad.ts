import type { Channel, SpeechRegion } from '../transcript/transcript';

export interface VadOptions {
  /** Analysis frame, seconds. */
  frameSec: number;
  /** Speech must rise this far above the estimated noise floor (dB). */
  aboveNoiseDb: number;
  /** …and be no more than this far below the channel's loud speech (dB), which ignores far-end bleed. */
  belowPeakDb: number;
  /** Never call anything quieter than this speech (dBFS). */
  absoluteFloorDbfs: number;
  /** Speech must last this long to count (s). */
  minSpeechSec: number;
  /** Keep a region open this long after the level drops (s). */
  hangoverSec: number;
  /** Widen each region by this much on both sides (s). */
  padSec: number;
  /** Join regions closer than this (s). */
  mergeGapSec: number;
}

export const defaultVadOptions: VadOptions = {
  frameSec: 0.02,
  aboveNoiseDb: 12,
  belowPeakDb: 28,
  absoluteFloorDbfs: -55,
  minSpeechSec: 0.12,
  hangoverSec: 0.25,
  padSec: 0.08,
  mergeGapSec: 0.3,
};

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return -120;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * (sorted.length - 1))))]!;
}

/**
 * Energy-based voice activity with an adaptive threshold: above the channel's noise floor, not far
 * below its own loud speech (so the other person leaking in at a much lower level is ignored),
 * with hysteresis, a hangover, a minimum length, padding and merging of close regions.
 * Deterministic and runtime-free: the backend and the desktop draft transcriber share it.
 */
export function detectSpeech(pcm: Float32Array, sampleRate: number, channel: Channel, opts: Partial<VadOptions> = {}): SpeechRegion[] {
  const o = { ...defaultVadOptions, ...opts };
  const frame = Math.max(1, Math.round(o.frameSec * sampleRate));
  const frames = Math.floor(pcm.length / frame);
  if (frames === 0) return [];
  const db = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    const base = f * frame;
    for (let i = 0; i < frame; i++) {
      const v = pcm[base + i]!;
      sum += v * v;
    }
    db[f] = 10 * Math.log10(sum / frame + 1e-12);
  }
  const sorted = Float64Array.from(db).sort();
  const noise = percentile(sorted, 0.1);
  const loud = percentile(sorted, 0.98);
  const on = Math.max(noise + o.aboveNoiseDb, loud - o.belowPeakDb, o.absoluteFloorDbfs);
  const off = on - 4;
  const hang = Math.round(o.hangoverSec / o.frameSec);

  const raw: [number, number][] = [];
  let start = -1;
  let quiet = 0;
  for (let f = 0; f < frames; f++) {
    const level = db[f]!;
    if (start < 0) {
      if (level >= on) {
        start = f;
        quiet = 0;
      }
    } else if (level < off) {
      quiet++;
      if (quiet > hang) {
        raw.push([start, f - quiet + 1]);
        start = -1;
      }
    } else quiet = 0;
  }
  if (start >= 0) raw.push([start, frames - quiet]);

  const duration = pcm.length / sampleRate;
  const regions: SpeechRegion[] = [];
  for (const [a, b] of raw) {
    if ((b - a) * o.frameSec < o.minSpeechSec) continue;
    const s = Math.max(0, a * o.frameSec - o.padSec);
    const e = Math.min(duration, b * o.frameSec + o.padSec);
    const prev = regions[regions.length - 1];
    if (prev && s - prev.end < o.mergeGapSec) prev.end = Math.max(prev.end, e);
    else regions.push({ channel, start: s, end: e });
  }
  return regions.map((r) => ({ channel, start: round3(r.start), end: round3(r.end) }));
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function totalSpeechSec(regions: SpeechRegion[]): number {
  return regions.reduce((t, r) => t + (r.end - r.start), 0);
}

/** A channel with less than half a second of speech in the whole recording carries no participant. */
export function isSilentChannel(regions: SpeechRegion[], _durationSec: number, minSpeechSec = 0.5): boolean {
  return totalSpeechSec(regions) < minSpeechSec;
}

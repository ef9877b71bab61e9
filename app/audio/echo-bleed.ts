import { frameEnergiesDb } from './vad';

/**
 * Echo bleed: the far end (channel 1, the remote track before playback) heard again in the local
 * channel (channel 0, the microphone after echo cancellation), typically because the session owner
 * uses loudspeakers. The bleed is a quieter, delayed copy of channel 1, so channel 0's energy
 * envelope follows channel 1's at some lag while the far end speaks alone.
 *
 * Energy envelopes rather than waveforms: a loudspeaker, the room and the echo canceller filter
 * the copy beyond recognition sample by sample, but its loudness contour survives. The decision
 * rests only on frames where the far end speaks and channel 0 holds no louder speech of its own
 * (the owner's voice, much louder than any bleed, would otherwise dominate the correlation).
 */
export interface EchoBleedOptions {
  /** Envelope frame length (and lag resolution before interpolation). */
  frameSec: number;
  /** Longest delay of the copy looked for (playout buffer + acoustic path + capture). */
  maxLagSec: number;
  /** A channel-1 frame counts as far-end speech this far above channel 1's noise floor… */
  farEndMarginDb: number;
  /** …and above this absolute level (dBFS). */
  farEndAbsoluteDb: number;
  /** A channel-0 frame louder than the typical bleed level by this much is the owner's own speech. */
  ownDominanceDb: number;
  /** Less far-end-only speech than this gives no verdict (`insufficient_far_end_speech`). */
  minFarEndSec: number;
  /** Normalised correlation from which bleed is reported. */
  detectCorrelation: number;
  /** Far-end-only runs shorter than this are not listed as spans; gaps up to `spanGapSec` are bridged. */
  minSpanSec: number;
  spanGapSec: number;
}

export const defaultEchoBleedOptions: EchoBleedOptions = {
  frameSec: 0.01,
  maxLagSec: 0.5,
  farEndMarginDb: 15,
  farEndAbsoluteDb: -55,
  ownDominanceDb: 10,
  minFarEndSec: 3,
  detectCorrelation: 0.5,
  minSpanSec: 0.5,
  spanGapSec: 0.3,
};

export interface EchoBleedSpan {
  /** In channel 1's time (seconds from the start of the recording). */
  startSec: number;
  endSec: number;
  /** Correlation within this span at the overall lag. */
  correlation: number;
  /** Median level of channel 0 relative to channel 1 in this span (dB). */
  bleedDb: number;
  bleed: boolean;
}

export interface EchoBleedResult {
  detected: boolean;
  reason: 'bleed' | 'clean' | 'insufficient_far_end_speech';
  /** Best normalised correlation of the envelopes over far-end-only frames (−1…1; 0 without variance). */
  correlation: number;
  /** Delay of the copy in channel 0 behind channel 1 at that correlation. */
  lagMs: number;
  /**
   * How loud the far end is in channel 0 relative to channel 1 (median dB difference over the
   * far-end-only frames where channel 0 rises above its noise floor); null when it never does.
   */
  bleedRatioDb: number | null;
  /** Seconds of far-end-only speech the verdict rests on. */
  farEndOnlySec: number;
  spans: EchoBleedSpan[];
}

const FLOOR_DB = -120;

/** Echo bleed from the two channels' samples (same rate, channel 0 = local, channel 1 = remote). */
export function detectEchoBleed(ch0: Float32Array, ch1: Float32Array, sampleRate: number, opts: Partial<EchoBleedOptions> = {}): EchoBleedResult {
  const o = { ...defaultEchoBleedOptions, ...opts };
  return detectEchoBleedFromEnvelopes(frameEnergiesDb(ch0, sampleRate, o.frameSec), frameEnergiesDb(ch1, sampleRate, o.frameSec), o);
}

/** The same from energy envelopes in dBFS, one value per `frameSec` (e.g. level meters sampled live). */
export function detectEchoBleedFromEnvelopes(env0Db: ArrayLike<number>, env1Db: ArrayLike<number>, opts: Partial<EchoBleedOptions> = {}): EchoBleedResult {
  const o = { ...defaultEchoBleedOptions, ...opts };
  const n = Math.min(env0Db.length, env1Db.length);
  const e0 = Float64Array.from({ length: n }, (_, i) => Math.max(FLOOR_DB, env0Db[i]!));
  const e1 = Float64Array.from({ length: n }, (_, i) => Math.max(FLOOR_DB, env1Db[i]!));
  const floor0 = percentile(e0, 0.1);
  const floor1 = percentile(e1, 0.1);
  // Channel 0 below its own floor is noise whatever its value: clamp so noise adds no variance.
  const c0 = e0.map((v) => Math.max(v, floor0 + 3));
  const farThreshold = Math.max(floor1 + o.farEndMarginDb, o.farEndAbsoluteDb);
  const far: number[] = [];
  for (let f = 0; f < n; f++) if (e1[f]! >= farThreshold) far.push(f);

  const maxLag = Math.max(0, Math.round(o.maxLagSec / o.frameSec));
  const perLag: { r: number; used: number[] }[] = [];
  for (let lag = 0; lag <= maxLag; lag++) {
    const frames = far.filter((f) => f + lag < n);
    const diffs = Float64Array.from(frames, (f) => e0[f + lag]! - e1[f]!);
    // The typical bleed level: a low quartile, because in double talk the owner's voice fills many
    // far-end frames (the median then sat inside it and let quiet owner speech in: r 0.37 vs 0.12).
    const typical = percentile(diffs, 0.25);
    const used = frames.filter((_, i) => diffs[i]! <= typical + o.ownDominanceDb);
    perLag.push({ r: pearson(used, (f) => c0[f + lag]!, (f) => e1[f]!), used });
  }

  let best = 0;
  for (let lag = 1; lag < perLag.length; lag++) if (perLag[lag]!.r > perLag[best]!.r) best = lag;
  const at = perLag[best] ?? { r: 0, used: [] };
  const farEndOnlySec = at.used.length * o.frameSec;
  const correlation = round(at.r, 3);
  const lagMs = round(refineLag(perLag.map((p) => p.r), best) * o.frameSec * 1000, 1);

  const audible = at.used.filter((f) => e0[f + best]! > floor0 + 6);
  const bleedRatioDb = audible.length ? round(percentile(Float64Array.from(audible, (f) => e0[f + best]! - e1[f]!), 0.5), 1) : null;
  const spans = spansOf(at.used, o).map(([a, b]): EchoBleedSpan => {
    const frames = at.used.filter((f) => f >= a && f < b);
    const r = round(pearson(frames, (f) => c0[f + best]!, (f) => e1[f]!), 3);
    return {
      startSec: round(a * o.frameSec, 2),
      endSec: round(b * o.frameSec, 2),
      correlation: r,
      bleedDb: round(percentile(Float64Array.from(frames, (f) => e0[f + best]! - e1[f]!), 0.5), 1),
      bleed: r >= o.detectCorrelation,
    };
  });

  if (farEndOnlySec < o.minFarEndSec) return { detected: false, reason: 'insufficient_far_end_speech', correlation, lagMs, bleedRatioDb, farEndOnlySec, spans };
  const detected = at.r >= o.detectCorrelation;
  return { detected, reason: detected ? 'bleed' : 'clean', correlation, lagMs, bleedRatioDb, farEndOnlySec: round(farEndOnlySec, 2), spans };
}

function pearson(frames: number[], x: (f: number) => number, y: (f: number) => number): number {
  const k = frames.length;
  if (k < 3) return 0;
  let sx = 0;
  let sy = 0;
  for (const f of frames) {
    sx += x(f);
    sy += y(f);
  }
  const mx = sx / k;
  const my = sy / k;
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (const f of frames) {
    const a = x(f) - mx;
    const b = y(f) - my;
    num += a * b;
    dx += a * a;
    dy += b * b;
  }
  return dx > 1e-9 && dy > 1e-9 ? num / Math.sqrt(dx * dy) : 0;
}

/** Sub-frame lag from a parabola through the peak and its neighbours. */
function refineLag(r: number[], i: number): number {
  if (i <= 0 || i >= r.length - 1) return i;
  const [a, b, c] = [r[i - 1]!, r[i]!, r[i + 1]!];
  const den = a - 2 * b + c;
  return den < 0 ? i + (0.5 * (a - c)) / den : i;
}

/** Runs of consecutive frames (gaps up to spanGapSec bridged), at least minSpanSec long: [start, end). */
function spansOf(frames: number[], o: EchoBleedOptions): Array<[number, number]> {
  const gap = Math.round(o.spanGapSec / o.frameSec);
  const out: Array<[number, number]> = [];
  for (const f of frames) {
    const last = out[out.length - 1];
    if (last && f - last[1] <= gap) last[1] = f + 1;
    else out.push([f, f + 1]);
  }
  return out.filter(([a, b]) => (b - a) * o.frameSec >= o.minSpanSec);
}

function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return FLOOR_DB;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * (sorted.length - 1))))]!;
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

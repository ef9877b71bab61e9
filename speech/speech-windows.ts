import type { SpeechRegion } from '../app/transcript/transcript';

/**
 * Cuts a channel's speech into windows of at most `maxWindowSec` of audio: by default one window
 * per speech region (padded, merged where the padding makes regions touch), so silence never
 * reaches Whisper (where it would invent text) and every word's time is bounded by the region it
 * was spoken in. With `spliceRegions`, several regions share a window, spliced with a short
 * silence between them (fewer encoder passes) — but whisper.cpp interpolates the times of words
 * without a confident timestamp token across such a splice, so a word at the start or end of a
 * region lands in the neighbouring one, often a different turn (measured on the sample session:
 * 11 words and 10 turns split across the other speaker). `pieces` maps window time back to
 * recording time.
 */
export interface WindowPiece {
  /** Offset of this piece in the window, seconds. */
  windowStart: number;
  /** Start of this piece in the recording, seconds. */
  recordingStart: number;
  duration: number;
  /**
   * Where voice activity starts and ends in this piece, recording seconds: the padding around it
   * is there for Whisper's sake, and a word is never timed outside it.
   */
  speechStart: number;
  speechEnd: number;
}

export interface SpeechWindow {
  pieces: WindowPiece[];
  /** Total window length including the silences between pieces, seconds. */
  duration: number;
}

export interface WindowOptions {
  maxWindowSec: number;
  /** Silence put between two spliced regions, seconds. */
  spliceGapSec: number;
  /** Audio kept before and after each region, seconds. */
  padSec: number;
  /** Pack several regions into one window (see above); false = one region per window. */
  spliceRegions: boolean;
  /**
   * Silence put before and after a window's audio, seconds. Default 0: tried at 0.5 s on the sample
   * (tiny.en, one window per region) it made things worse — WER 15.3 % / 28.9 % per channel against
   * 17.5 % / 13.9 % without, and a 1.3 s window looped ("sure go my head." five times).
   */
  edgeSilenceSec: number;
}

export const defaultWindowOptions: WindowOptions = { maxWindowSec: 28, spliceGapSec: 0.4, padSec: 0.15, spliceRegions: false, edgeSilenceSec: 0 };

export function planSpeechWindows(regions: SpeechRegion[], durationSec: number, opts: Partial<WindowOptions> = {}): SpeechWindow[] {
  const o = { ...defaultWindowOptions, ...opts };
  // Padded spans, merged where padding makes them touch, and split where longer than a window.
  // Each span: [start, end] with padding, then [speech start, speech end] without.
  const spans: Array<[number, number, number, number]> = [];
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    const s = Math.max(0, r.start - o.padSec);
    const e = Math.min(durationSec, r.end + o.padSec);
    if (e <= s) continue;
    const last = spans[spans.length - 1];
    if (last && s <= last[1]) {
      last[1] = Math.max(last[1], e);
      last[3] = Math.max(last[3], Math.min(r.end, e));
    } else spans.push([s, e, Math.max(s, r.start), Math.min(r.end, e)]);
  }
  const pieces: Array<[number, number, number, number]> = [];
  for (const [s, e, speechStart, speechEnd] of spans) {
    const most = o.maxWindowSec - 2 * o.edgeSilenceSec;
    for (let t = s; t < e; t += most) {
      const end = Math.min(e, t + most);
      pieces.push([t, end, Math.max(t, speechStart), Math.min(end, speechEnd)]);
    }
  }

  const windows: SpeechWindow[] = [];
  let current: SpeechWindow | undefined;
  for (const [s, e, speechStart, speechEnd] of pieces) {
    const len = e - s;
    const offset = current ? current.duration + o.spliceGapSec : 0;
    if (!current || !o.spliceRegions || offset + len + o.edgeSilenceSec > o.maxWindowSec) {
      current = { pieces: [], duration: o.edgeSilenceSec };
      windows.push(current);
    }
    const windowStart = current.pieces.length ? current.duration + o.spliceGapSec : o.edgeSilenceSec;
    current.pieces.push({ windowStart, recordingStart: s, duration: len, speechStart, speechEnd: Math.max(speechStart, speechEnd) });
    current.duration = windowStart + len;
  }
  for (const w of windows) w.duration += o.edgeSilenceSec;
  return windows;
}

/** The window's samples: each piece copied from the recording, silence between pieces. */
export function windowSamples(pcm: Float32Array, sampleRate: number, window: SpeechWindow): Float32Array {
  const out = new Float32Array(Math.ceil(window.duration * sampleRate));
  for (const p of window.pieces) {
    const from = Math.round(p.recordingStart * sampleRate);
    const count = Math.min(Math.round(p.duration * sampleRate), pcm.length - from, out.length - Math.round(p.windowStart * sampleRate));
    if (count > 0) out.set(pcm.subarray(from, from + count), Math.round(p.windowStart * sampleRate));
  }
  return out;
}

/** Maps a time in the window to the recording; times in a splice gap snap to the nearer piece edge. */
export function windowToRecording(window: SpeechWindow, t: number): { time: number; piece: number } {
  let best = 0;
  for (let i = 0; i < window.pieces.length; i++) {
    if (t >= window.pieces[i]!.windowStart) best = i;
  }
  const p = window.pieces[best]!;
  const next = window.pieces[best + 1];
  const into = t - p.windowStart;
  if (into <= p.duration) return { time: p.recordingStart + Math.max(0, into), piece: best };
  // In the gap after this piece: whichever edge is nearer.
  if (next && next.windowStart - t < into - p.duration) return { time: next.recordingStart, piece: best + 1 };
  return { time: p.recordingStart + p.duration, piece: best };
}

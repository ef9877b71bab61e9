import { detectSpeech, frameEnergiesDb, type VadOptions } from '../../app/audio/vad';
import type { Channel } from '../../app/transcript/transcript';

/**
 * Follows one speaker's live audio and says when a stretch of speech is ready to transcribe: when
 * it has ended (enough silence after it that the VAD will not extend it) or when it has run on for
 * `maxSpanSec` (then it is cut at the quietest moment near the end, so words are rarely split).
 *
 * The VAD (app/audio/vad.ts) sets its thresholds from the audio it is given (noise floor, loud
 * speech level), so it runs over a sliding window that keeps `contextSec` of already handled audio
 * for stable thresholds. Audio is kept only as long as it may still be needed: the scan window and
 * spans handed out but not yet `release`d.
 */
export interface SpeechSpan {
  channel: Channel;
  /** Seconds from the recording start. */
  start: number;
  end: number;
  /** The span starts where a previous span was cut mid-speech: do not pad into the previous one. */
  cutBefore: boolean;
  /** The span was cut mid-speech at `end`: do not pad past it. */
  cutAfter: boolean;
}

export interface SpeechTrackerOptions {
  channel: Channel;
  sampleRate: number;
  /** Silence after a region before it counts as ended. */
  endSilenceSec: number;
  /** Continuous speech longer than this is cut and handed out. */
  maxSpanSec: number;
  /** Handled audio kept in the VAD window for its thresholds. */
  contextSec: number;
  /** The VAD never looks further back than this. */
  maxScanSec: number;
  /** A leftover of an already handed-out region shorter than this is ignored (VAD threshold drift). */
  minRemnantSec: number;
  vad?: Partial<VadOptions>;
}

export const defaultSpeechTrackerOptions: Omit<SpeechTrackerOptions, 'channel' | 'sampleRate'> = {
  endSilenceSec: 0.6,
  maxSpanSec: 10,
  contextSec: 20,
  maxScanSec: 40,
  minRemnantSec: 0.3,
};

/** Where in the last seconds of an over-long region to look for a quiet cut point. */
const CUT_SEARCH_SEC = 3;
const CUT_SMOOTH_FRAMES = 5;

export class SpeechTracker {
  private readonly o: SpeechTrackerOptions;
  /** Samples of the channel from absolute sample index `base` on. */
  private data = new Float32Array(0);
  private length = 0;
  private base = 0;
  /** End of the last span handed out (seconds): speech before it is never handed out again. */
  private spokenUntil = 0;
  /** Audio before this time held no speech when last scanned. */
  private quietUntil = 0;
  private lastWasCut = false;
  private open: { start: number; end: number; cutBefore: boolean } | null = null;
  private readonly outstanding = new Set<SpeechSpan>();

  constructor(opts: Pick<SpeechTrackerOptions, 'channel' | 'sampleRate'> & Partial<SpeechTrackerOptions>) {
    this.o = { ...defaultSpeechTrackerOptions, ...opts };
  }

  /** Seconds of audio received. */
  get receivedSec(): number {
    return (this.base + this.length) / this.o.sampleRate;
  }

  /** Seconds of audio held in memory. */
  get keptSec(): number {
    return this.length / this.o.sampleRate;
  }

  /**
   * Speech still going on (not yet handed out) as of the last scan: what a partial caption can show
   * before the stretch ends. Null when the speaker is quiet.
   */
  get openSpeech(): { start: number; end: number; cutBefore: boolean } | null {
    return this.open;
  }

  /** Appends audio; returns the spans that became ready. */
  push(samples: Float32Array): SpeechSpan[] {
    this.append(samples);
    return this.scan(false);
  }

  /** The end of the audio: every remaining stretch of speech is ready. */
  flush(): SpeechSpan[] {
    return this.scan(true);
  }

  /** A copy of the audio between two times (clamped to what is kept). */
  slice(startSec: number, endSec: number): Float32Array {
    const a = Math.round(startSec * this.o.sampleRate);
    if (a < this.base) throw new Error(`channel ${this.o.channel}: audio before ${startSec} s was already released`);
    const b = Math.min(this.base + this.length, Math.round(endSec * this.o.sampleRate));
    return this.data.slice(a - this.base, Math.max(a, b) - this.base);
  }

  /** The span's audio is no longer needed. */
  release(span: SpeechSpan): void {
    this.outstanding.delete(span);
    this.trim();
  }

  private append(samples: Float32Array): void {
    if (this.length + samples.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.length + samples.length, this.data.length * 2, this.o.sampleRate * 8));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(samples, this.length);
    this.length += samples.length;
  }

  private get handledUntil(): number {
    return Math.max(this.spokenUntil, this.quietUntil);
  }

  private scan(final: boolean): SpeechSpan[] {
    const sr = this.o.sampleRate;
    const now = this.receivedSec;
    const offset = Math.max(this.base, Math.round(this.scanFrom(now) * sr));
    const window = this.data.subarray(offset - this.base, this.length);
    const regions = detectSpeech(window, sr, this.o.channel, this.o.vad).map((r) => ({ start: r.start + offset / sr, end: r.end + offset / sr }));

    const ready: SpeechSpan[] = [];
    for (const r of regions) {
      if (r.end <= this.spokenUntil) continue;
      const clipped = r.start < this.spokenUntil;
      const start = Math.max(r.start, this.spokenUntil);
      const cutBefore = clipped && this.lastWasCut;
      if (final || r.end <= now - this.o.endSilenceSec) {
        const end = Math.min(r.end, now);
        // A sliver past the end of speech already handed out comes from thresholds that moved.
        if (!(clipped && !cutBefore && end - start < this.o.minRemnantSec)) ready.push({ channel: this.o.channel, start, end, cutBefore, cutAfter: false });
        this.spokenUntil = end;
        this.lastWasCut = false;
        continue;
      }
      if (now - start >= this.o.maxSpanSec) {
        const cut = this.quietestPoint(Math.max(start + 1, now - CUT_SEARCH_SEC), now - 0.1);
        ready.push({ channel: this.o.channel, start, end: cut, cutBefore, cutAfter: true });
        this.spokenUntil = cut;
        this.lastWasCut = true;
      }
      // Regions are in time order: nothing after an open one can have ended.
      break;
    }
    const open = regions.find((r) => r.end > this.spokenUntil);
    this.open = open && !final ? { start: Math.max(open.start, this.spokenUntil), end: Math.min(open.end, now), cutBefore: open.start < this.spokenUntil && this.lastWasCut } : null;
    // Up to an open region (or the last `endSilenceSec`), the audio is settled.
    this.quietUntil = Math.max(this.quietUntil, Math.min(open ? open.start : Infinity, now - this.o.endSilenceSec));
    for (const s of ready) this.outstanding.add(s);
    this.trim();
    return ready;
  }

  /** Where the VAD window starts: enough handled audio before the open part for stable thresholds. */
  private scanFrom(now: number): number {
    return Math.max(0, this.handledUntil - this.o.contextSec, now - this.o.maxScanSec);
  }

  /** The middle of the quietest ~0.1 s between two times. */
  private quietestPoint(a: number, b: number): number {
    const sr = this.o.sampleRate;
    const frameSec = 0.02;
    const from = Math.round(a * sr);
    const energies = frameEnergiesDb(this.data.subarray(from - this.base, Math.round(b * sr) - this.base), sr, frameSec);
    if (energies.length < CUT_SMOOTH_FRAMES) return b;
    let best = 0;
    let bestSum = Infinity;
    for (let f = 0; f + CUT_SMOOTH_FRAMES <= energies.length; f++) {
      let sum = 0;
      for (let k = 0; k < CUT_SMOOTH_FRAMES; k++) sum += energies[f + k]!;
      if (sum < bestSum) {
        bestSum = sum;
        best = f;
      }
    }
    return Math.round((from / sr + (best + CUT_SMOOTH_FRAMES / 2) * frameSec) * 1000) / 1000;
  }

  /** Drops audio nothing needs any more; compacts only in steps of seconds to keep copies rare. */
  private trim(): void {
    const sr = this.o.sampleRate;
    let keepFrom = this.scanFrom(this.receivedSec);
    // Spans still being transcribed, with room for the engine's padding.
    for (const s of this.outstanding) keepFrom = Math.min(keepFrom, s.start - 1);
    const drop = Math.floor(keepFrom * sr) - this.base;
    if (drop < sr * 5) return;
    this.data.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.base += drop;
  }
}

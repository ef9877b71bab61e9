import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../app/contracts/errors';
import type { Channel, Segment, Word } from '../app/transcript/transcript';
import type { ChannelAudio, SttEngine } from './stt-engine';
import { type SpeechWindow, type WindowOptions, planSpeechWindows, windowSamples, windowToRecording } from './speech-windows';
import { audioCtxFor, type WhisperWord, WhisperThread } from './whisper-thread';

/**
 * Local Whisper (whisper.cpp through @napi-rs/whisper). Only voice-active audio is transcribed:
 * regions are spliced into ≤ 28 s windows, so silence never reaches the model, and word times are
 * mapped back to the recording timeline. Word times come from whisper.cpp token timestamps.
 */

/** Non-speech annotations Whisper emits instead of words: [BLANK_AUDIO], (music), *laughs*, ♪. */
const OPENERS: Record<string, string> = { '[': ']', '(': ')', '*': '*' };
const SENTENCE_END = /[.?!]["')\]]*$/;
/** A pause this long (seconds) between words starts a new segment. */
const SEGMENT_GAP_SEC = 0.8;
/** The shortest time a word is given when whisper.cpp timed it with none. */
const MIN_WORD_SEC = 0.08;

export function dropNonSpeech(words: WhisperWord[]): WhisperWord[] {
  const out: WhisperWord[] = [];
  let closer: string | undefined;
  for (const w of words) {
    const text = w.text.trim();
    if (!text) continue;
    if (closer) {
      if (text.endsWith(closer)) closer = undefined;
      continue;
    }
    const open = OPENERS[text[0]!];
    if (open) {
      if (!(text.length > 1 && text.endsWith(open))) closer = open;
      continue;
    }
    if (/^[♪♫\s-]+$/.test(text)) continue;
    out.push({ ...w, text });
  }
  return out;
}

interface TimedWord extends Word {
  piece: number;
}

/** Window-relative words → recording-timeline words, with zero-length runs spread out. */
export function placeWords(window: SpeechWindow, words: WhisperWord[]): TimedWord[] {
  const placed = words.flatMap((w): TimedWord[] => {
    const a = windowToRecording(window, w.start);
    const b = windowToRecording(window, Math.max(w.start, w.end));
    const piece = window.pieces[a.piece]!;
    const inSpeech = (t: number) => Math.min(piece.speechEnd, Math.max(piece.speechStart, t));
    a.time = inSpeech(a.time);
    const end = inSpeech(b.piece === a.piece ? b.time : piece.speechEnd);
    // A segment of several words (rare with split-on-word) shares its time by characters.
    const parts = w.text.split(/\s+/).filter(Boolean);
    const chars = parts.reduce((n, p) => n + p.length, 0);
    let t = a.time;
    return parts.map((text) => {
      const d = ((end - a.time) * text.length) / chars;
      const word = { text, start: t, end: t + d, piece: a.piece };
      t += d;
      return word;
    });
  });

  // whisper.cpp often gives the first words of a window no duration, and words it timed past the
  // end of the audio end up clamped to the piece's end with none. Each such run is spread by
  // characters over the time between the previous word (or its piece start) and the next timed
  // word (or the piece end); where that leaves less than MIN_WORD_SEC a word, the run takes in its
  // timed neighbours, before it first, then after it, so no word and no segment has zero length.
  const samePiece = (k: number, piece: number) => k >= 0 && k < placed.length && placed[k]!.piece === piece;
  for (let i = 0; i < placed.length; ) {
    if (placed[i]!.end - placed[i]!.start >= MIN_WORD_SEC / 2) {
      i++;
      continue;
    }
    const piece = placed[i]!.piece;
    const { speechStart, speechEnd } = window.pieces[piece]!;
    let j = i;
    while (samePiece(j, piece) && placed[j]!.end - placed[j]!.start < MIN_WORD_SEC / 2) j++;
    let from = samePiece(i - 1, piece) ? placed[i - 1]!.end : speechStart;
    let to = Math.max(samePiece(j, piece) ? placed[j]!.start : speechEnd, placed[j - 1]!.end);
    let first = i;
    let last = j;
    while ((to - from) / (last - first) < MIN_WORD_SEC) {
      if (samePiece(first - 1, piece)) {
        first--;
        from = samePiece(first - 1, piece) ? placed[first - 1]!.end : Math.min(placed[first]!.start, speechStart);
      } else if (samePiece(last, piece)) {
        last++;
        to = samePiece(last, piece) ? placed[last]!.start : Math.max(placed[last - 1]!.end, speechEnd);
      } else break;
    }
    const run = placed.slice(first, last);
    const chars = run.reduce((n, w) => n + w.text.length, 0);
    let t = from;
    for (const w of run) {
      w.start = t;
      t += ((to - from) * w.text.length) / chars;
      w.end = t;
    }
    i = last;
  }
  return placed.map((w) => ({ ...w, start: round2(w.start), end: round2(Math.max(w.start, w.end)) }));
}

export function wordsToSegments(channel: Channel, words: TimedWord[]): Segment[] {
  const segments: Segment[] = [];
  let current: Word[] = [];
  const flush = (): void => {
    if (!current.length) return;
    segments.push({
      channel,
      start: current[0]!.start,
      end: current[current.length - 1]!.end,
      text: current.map((w) => w.text).join(' '),
      words: current,
    });
    current = [];
  };
  let prev: TimedWord | undefined;
  for (const w of words) {
    if (prev && (w.piece !== prev.piece || w.start - prev.end >= SEGMENT_GAP_SEC)) flush();
    current.push({ text: w.text, start: w.start, end: w.end });
    if (SENTENCE_END.test(w.text)) flush();
    prev = w;
  }
  flush();
  return segments;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

const normalWord = (w: string) => w.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');

/**
 * A decoder caught in a loop repeats one phrase up to its token cap ("morning doctor. morning
 * doctor. morning doctor."). When the words end in back-to-back copies of a phrase of 1–8 words
 * (at least 3 copies, 5 for a single word so that "no, no, no" stays), followed by at most an
 * unfinished copy, returns how many words to keep: up to the end of the first copy. Otherwise null.
 */
export function repetitionLoopEnd(words: string[]): number | null {
  const w = words.map(normalWord);
  for (let i = 0; i < w.length; i++) {
    for (let n = 1; n <= 8 && i + 3 * n <= w.length; n++) {
      let copies = 1;
      while (i + (copies + 1) * n <= w.length && w.slice(i + copies * n, i + (copies + 1) * n).every((x, k) => x === w[i + k])) copies++;
      if (copies < (n === 1 ? 5 : 3)) continue;
      const rest = w.slice(i + copies * n);
      if (rest.length < n && rest.every((x, k) => x === w[i + k])) return i + n;
    }
  }
  return null;
}

export interface WhisperEngineOptions {
  modelPath: string;
  threads?: number;
  /**
   * Size whisper.cpp's encoder context (`audio_ctx`) to each window instead of the full 30 s: much
   * faster on short windows (the live draft). Default true: on the sample session the WER per
   * channel was the same either way (13.1 % / 11.9 %); false restores the full 30 s context.
   */
  fitAudioCtx?: boolean;
  /**
   * Bounds for live use (the on-device draft), where a call must never hold up the next one for
   * long. Absent (the backend): no bounds, results as before. On short windows — worst on the open
   * end of ongoing speech, cut mid-word — tiny.en with a fitted encoder context often loops on one
   * phrase; uncapped, whisper.cpp then decodes to its text limit at every fallback temperature
   * (8–28 s for a 1.5 s window, measured here).
   */
  live?: LiveBounds;
  /** How speech is cut into windows (default: one per speech region, see speech-windows.ts). */
  windows?: Partial<WindowOptions>;
}

export interface LiveBounds {
  /** Each decoding pass stops after ceil(sec × tokensPerSec) + tokensBase tokens. */
  tokensPerSec: number;
  tokensBase: number;
  /**
   * A window whose words end in a loop is decoded once more with an encoder context this much
   * longer than the audio (a 5 s context ended both loops of 1.4 s windows tried here; the full
   * 30 s did not, at 6× the cost); 0 = no retry, the loop is cut after its first copy.
   */
  loopRetryMarginSec: number;
}

export const defaultLiveBounds: LiveBounds = { tokensPerSec: 6, tokensBase: 10, loopRetryMarginSec: 4 };

/** One window under live bounds: capped decoding, a loop retried once with a longer context, then cut. */
async function transcribeBounded(thread: WhisperThread, samples: Float32Array, sec: number, audioCtx: number | undefined, live: LiveBounds): Promise<{ words: WhisperWord[] }> {
  const maxTokens = Math.ceil(sec * live.tokensPerSec) + live.tokensBase;
  let result = await thread.transcribe(samples, { audioCtx, maxTokens });
  let keep = repetitionLoopEnd(dropNonSpeech(result.words).map((w) => w.text));
  if (keep !== null && live.loopRetryMarginSec > 0) {
    result = await thread.transcribe(samples, { audioCtx: audioCtxFor(sec, { marginSec: live.loopRetryMarginSec }), maxTokens });
    keep = repetitionLoopEnd(dropNonSpeech(result.words).map((w) => w.text));
  }
  return keep === null ? result : { words: dropNonSpeech(result.words).slice(0, keep) };
}

/** The engine, and views of it (same model, same worker thread, calls in one queue) with other live bounds. */
export interface WhisperEngine extends SttEngine {
  /** Closing a view does nothing: close the engine. */
  withLiveBounds(live: LiveBounds | undefined): SttEngine;
}

export async function createWhisperEngine(opts: WhisperEngineOptions): Promise<WhisperEngine> {
  const modelPath = path.resolve(opts.modelPath);
  const info = await stat(modelPath).catch(() => undefined);
  if (!info?.isFile()) {
    throw new AppError('stt.model_missing', `Whisper model not found at ${modelPath}. Run \`npm run setup\` (or \`npx tsx scripts/setup/whisper-model.ts\`) to make it.`, {
      details: { modelPath },
    });
  }
  const threads = opts.threads ?? Math.max(1, Math.min(4, availableParallelism()));
  const thread = new WhisperThread({ modelPath, threads });
  try {
    await thread.whenReady();
  } catch (e) {
    await thread.close().catch(() => undefined);
    throw new AppError('stt.unavailable', `whisper.cpp could not load ${modelPath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const model = path.basename(modelPath).replace(/^ggml-/, '').replace(/\.bin$/, '');
  const engine = (live: LiveBounds | undefined): SttEngine => ({
    name: 'whisper.cpp',
    model,
    async transcribeChannel(input: ChannelAudio, onProgress?: (fraction: number) => void): Promise<Segment[]> {
      if (input.sampleRate !== 16000) throw new AppError('stt.unavailable', `Whisper needs 16 kHz audio, got ${String(input.sampleRate)} Hz`);
      const durationSec = input.pcm.length / input.sampleRate;
      const regions = input.regions.filter((r) => r.channel === input.channel);
      const windows = planSpeechWindows(regions, durationSec, opts.windows);
      const words: TimedWord[] = [];
      let pieceBase = 0;
      onProgress?.(0);
      for (const [i, window] of windows.entries()) {
        let result: { words: WhisperWord[] };
        try {
          const samples = windowSamples(input.pcm, input.sampleRate, window);
          const sec = samples.length / input.sampleRate;
          const audioCtx = opts.fitAudioCtx !== false ? audioCtxFor(sec) : undefined;
          if (!live) result = await thread.transcribe(samples, { audioCtx });
          else result = await transcribeBounded(thread, samples, sec, audioCtx, live);
        } catch (e) {
          throw new AppError('stt.unavailable', `whisper.cpp failed on channel ${input.channel}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
        // Piece indices are per window; number them across windows so segments never span two.
        words.push(...placeWords(window, dropNonSpeech(result.words)).map((w) => ({ ...w, piece: w.piece + pieceBase })));
        pieceBase += window.pieces.length;
        onProgress?.((i + 1) / windows.length);
      }
      if (!windows.length) onProgress?.(1);
      return wordsToSegments(input.channel, words);
    },
    close: () => Promise.resolve(),
  });
  return { ...engine(opts.live), close: () => thread.close(), withLiveBounds: engine };
}

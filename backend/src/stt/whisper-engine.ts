import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../app/contracts/errors';
import type { Channel, Segment, Word } from '../../../app/transcript/transcript';
import type { ChannelAudio, SttEngine } from './stt-engine';
import { type SpeechWindow, planSpeechWindows, windowSamples, windowToRecording } from './speech-windows';
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
    const end = b.piece === a.piece ? b.time : window.pieces[a.piece]!.recordingStart + window.pieces[a.piece]!.duration;
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

  // whisper.cpp often gives the first words of a window no duration; spread each such run over
  // the time between the previous word (or its piece start) and the next timed word.
  for (let i = 0; i < placed.length; ) {
    if (placed[i]!.end - placed[i]!.start >= 0.01) {
      i++;
      continue;
    }
    let j = i;
    while (j < placed.length && placed[j]!.end - placed[j]!.start < 0.01 && placed[j]!.piece === placed[i]!.piece) j++;
    const piece = window.pieces[placed[i]!.piece]!;
    const from = i > 0 && placed[i - 1]!.piece === placed[i]!.piece ? placed[i - 1]!.end : piece.recordingStart;
    const nextStart = j < placed.length && placed[j]!.piece === placed[i]!.piece ? placed[j]!.start : piece.recordingStart + piece.duration;
    const to = Math.max(nextStart, placed[j - 1]!.end);
    const step = (to - from) / (j - i);
    for (let k = i; k < j; k++) {
      placed[k]!.start = from + step * (k - i);
      placed[k]!.end = from + step * (k - i + 1);
    }
    i = j;
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

export interface WhisperEngineOptions {
  modelPath: string;
  threads?: number;
  /**
   * Size whisper.cpp's encoder context (`audio_ctx`) to each window instead of the full 30 s: much
   * faster on short windows (the live draft). Default true: on the sample session the WER per
   * channel was the same either way (13.1 % / 11.9 %); false restores the full 30 s context.
   */
  fitAudioCtx?: boolean;
}

export async function createWhisperEngine(opts: WhisperEngineOptions): Promise<SttEngine> {
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

  return {
    name: 'whisper.cpp',
    model,
    async transcribeChannel(input: ChannelAudio, onProgress?: (fraction: number) => void): Promise<Segment[]> {
      if (input.sampleRate !== 16000) throw new AppError('stt.unavailable', `Whisper needs 16 kHz audio, got ${String(input.sampleRate)} Hz`);
      const durationSec = input.pcm.length / input.sampleRate;
      const regions = input.regions.filter((r) => r.channel === input.channel);
      const windows = planSpeechWindows(regions, durationSec);
      const words: TimedWord[] = [];
      let pieceBase = 0;
      onProgress?.(0);
      for (const [i, window] of windows.entries()) {
        let result: { words: WhisperWord[] };
        try {
          const samples = windowSamples(input.pcm, input.sampleRate, window);
          result = await thread.transcribe(samples, { audioCtx: opts.fitAudioCtx !== false ? audioCtxFor(samples.length / input.sampleRate) : undefined });
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
    close: () => thread.close(),
  };
}

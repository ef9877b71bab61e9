import { availableParallelism } from 'node:os';
import { AppError, isAppError } from '../../app/contracts/errors';
import type { DraftCaption, DraftProgress } from '../../app/contracts/ipc/drafts';
import { mergeChannelSegments, type Channel, type Segment, type SpeechRegion } from '../../app/transcript/transcript';
import { defaultWindowOptions } from '../../speech/speech-windows';
import type { SttEngine } from '../../speech/stt-engine';
import { createWhisperEngine, defaultLiveBounds, type LiveBounds, type WhisperEngine } from '../../speech/whisper-engine';
import type { DraftStore } from './draft-store';
import { withoutContext } from './draft-transcriber-context';
import { SpeechTracker, type SpeechSpan, type SpeechTrackerOptions } from './draft-transcriber-speech-tracker';

/**
 * The on-device draft transcriber: whisper.cpp with the same engine and model as the backend
 * (decision 005). Fed 16 kHz mono PCM per channel; speech is found by the VAD and each stretch is
 * transcribed as soon as it has ended (or every ~10 s of continuous speech), so live segments
 * arrive during the call. While someone is still speaking, a partial caption of the open stretch
 * comes every few seconds (only when no finished speech is waiting: it never delays the draft).
 * Each engine call encodes only as much audio as its window (`fitAudioCtx`), not Whisper's 30 s, and
 * is bounded (`LiveBounds`): on short windows tiny.en may loop on a phrase, which uncapped cost
 * 8–28 s per 1.5 s window and held up everything queued behind it. Waiting speech is transcribed in
 * short windows, oldest first; partial captions run only when nothing final waits.
 * After the call, `finish` transcribes what is left and stores the complete draft.
 */
export interface DraftTranscriber {
  /** Starts a session's draft (loads the model if needed). Idempotent while the session runs. */
  start(sessionId: string, opts?: { language?: string }): Promise<{ name: string; model: string }>;
  /** Audio of one speaker: 16 kHz mono float samples in [-1, 1], in order, without gaps. */
  pushAudio(sessionId: string, channel: Channel, samples: Float32Array): void;
  /** Stops live captioning and returns the full draft of both channels, sorted by start. */
  finish(sessionId: string): Promise<Segment[]>;
  /** Live segments as they are recognised. */
  onSegments(listener: (sessionId: string, segments: Segment[]) => void): () => void;
  /** Live captions: partial ones while a speaker talks, a final one per finished stretch. */
  onCaption(listener: (caption: DraftCaption) => void): () => void;
  /** Whether the session is running (started and not finished). */
  has(sessionId: string): boolean;
  progress(sessionId: string): DraftProgress;
  close(): Promise<void>;
}

export interface DraftTranscriberOptions {
  modelPath: string;
  /** whisper.cpp threads. Default: half the cores (the call itself needs the rest). */
  threads?: number;
  /** Live segments are appended here; the complete draft replaces them at `finish`. */
  store: DraftStore;
  tracker?: Partial<Omit<SpeechTrackerOptions, 'channel' | 'sampleRate'>>;
  /** At most this much speech goes into one engine call when several stretches are waiting. Default 10. */
  maxBatchSpeechSec?: number;
  /**
   * Finished speech shorter than this is decoded after the same speaker's preceding speech (already
   * transcribed, its words dropped), up to this much speech in all: tiny.en alone on a short stretch
   * often misses a one-word turn or the first words. Default CONTEXT_SEC; 0 = none.
   */
  contextSpeechSec?: number;
  /** Tests and benchmarks may bring an engine; it is then not closed by the transcriber. */
  engine?: SttEngine;
  /** A partial caption of ongoing speech at most this often (seconds of audio); 0 = none. Default 2.5. */
  partialEverySec?: number;
  /**
   * Ongoing speech gets a partial caption once it is this long. Default 2: the open end of speech
   * is cut mid-word, and shorter windows made tiny.en loop far more often (6 of 20 at 1.45 s).
   */
  partialMinSec?: number;
}

const SAMPLE_RATE = 16000;
/** The engine pads each region by this much; a cut edge must not be padded into the neighbour. */
const ENGINE_PAD_SEC = defaultWindowOptions.padSec;

interface Job {
  sessionId: string;
  span: SpeechSpan;
}

/** Ongoing speech of one channel, its audio copied when asked for (the tracker may drop it later). */
interface PartialJob {
  sessionId: string;
  channel: Channel;
  start: number;
  end: number;
  /** Audio from `from` (start minus the engine's padding, unless the stretch begins at a cut). */
  from: number;
  pcm: Float32Array;
}

interface Session {
  trackers: [SpeechTracker, SpeechTracker];
  ready: Promise<Engines>;
  state: 'live' | 'finishing';
  finishing?: Promise<Segment[]>;
  segments: Segment[];
  /** The last live append to the store; `finish` waits for it before replacing. */
  writes: Promise<unknown>;
  failure?: unknown;
  /** Jobs queued or running. */
  pending: number;
  idle: (() => void)[];
  /** Audio time of each channel's last partial caption request. */
  partialAt: [number, number];
  /** Each channel's recently transcribed stretches, oldest first: leading context for short ones. */
  recent: [SpeechSpan[], SpeechSpan[]];
}

export function createDraftTranscriber(opts: DraftTranscriberOptions): DraftTranscriber {
  const threads = opts.threads ?? Math.max(1, Math.floor(availableParallelism() / 2));
  // With the encoder fitted to the window a long batch saves little and delays its first words.
  const maxBatchSpeechSec = opts.maxBatchSpeechSec ?? 10;
  const contextSpeechSec = opts.contextSpeechSec ?? CONTEXT_SEC;
  const sessions = new Map<string, Session>();
  /** A finished draft is never restarted by late audio (it would replace the complete one). */
  const finished = new Set<string>();
  const listeners = new Set<(sessionId: string, segments: Segment[]) => void>();
  const captionListeners = new Set<(caption: DraftCaption) => void>();
  const partialEverySec = opts.partialEverySec ?? 2.5;
  const partialMinSec = opts.partialMinSec ?? 2;
  const queue: Job[] = [];
  /** At most one per session and channel: a newer one replaces an older one not yet run. */
  const partials = new Map<string, PartialJob>();
  let running: Job[] = [];
  let pumping: Promise<void> | null = null;
  let engine: Promise<Engines> | null = null;
  let closing: Promise<void> = Promise.resolve();

  function loadEngine(): Promise<Engines> {
    if (opts.engine) return Promise.resolve({ final: opts.engine, preview: opts.engine });
    if (!engine) {
      const loading = closing.then(() => createWhisperEngine({ modelPath: opts.modelPath, threads, fitAudioCtx: true, live: defaultLiveBounds })).then(enginesOf);
      engine = loading;
      // A failed load is not cached: the next start tries again (the model may have been set up since).
      loading.catch(() => {
        if (engine === loading) engine = null;
      });
    }
    return engine;
  }

  /** The model takes memory; after the last session it is unloaded until the next call. */
  function releaseEngineIfIdle(): void {
    if (opts.engine || sessions.size || queue.length || partials.size || !engine) return;
    const e = engine;
    engine = null;
    closing = e.then((x) => x.final.close()).catch(() => undefined);
  }

  function sessionOf(sessionId: string): Session {
    const s = sessions.get(sessionId);
    if (!s) throw new AppError('session.state_invalid', `The draft of session ${sessionId} is not running: call drafts:start (or finish was already called).`);
    return s;
  }

  function enqueue(sessionId: string, spans: SpeechSpan[]): void {
    const s = sessions.get(sessionId)!;
    for (const span of spans) {
      queue.push({ sessionId, span });
      s.pending++;
    }
    if (spans.length && !pumping) pumping = pump();
  }

  function emitCaption(caption: DraftCaption): void {
    for (const l of captionListeners) {
      try {
        l(caption);
      } catch {
        // A caption listener's fault (a closed window) must not fail the draft.
      }
    }
  }

  /** Asks for a partial caption of a channel's ongoing speech when it is due. */
  function maybeRequestPartial(sessionId: string, s: Session, channel: Channel): void {
    if (!partialEverySec) return;
    const tracker = s.trackers[channel];
    const open = tracker.openSpeech;
    if (!open || open.end - open.start < partialMinSec || open.end - s.partialAt[channel] < partialEverySec) return;
    s.partialAt[channel] = open.end;
    const from = Math.max(0, open.start - (open.cutBefore ? 0 : ENGINE_PAD_SEC));
    partials.set(`${sessionId}:${channel}`, { sessionId, channel, start: open.start, end: open.end, from, pcm: tracker.slice(from, open.end) });
    if (!pumping) pumping = pump();
  }

  /** The oldest speech first (the lowest lag for everyone); at equal times channel 0. */
  function nextBatch(): Job[] {
    let head = 0;
    for (let i = 1; i < queue.length; i++) {
      const a = queue[i]!.span;
      const b = queue[head]!.span;
      if (a.end < b.end || (a.end === b.end && a.channel < b.channel)) head = i;
    }
    const first = queue[head]!;
    // Waiting stretches of the same speaker share one call, up to a short window (`maxBatchSpeechSec`).
    const same = queue
      .filter((j) => j.sessionId === first.sessionId && j.span.channel === first.span.channel)
      .sort((a, b) => a.span.start - b.span.start);
    const batch: Job[] = [];
    let speech = 0;
    for (const j of same) {
      const len = j.span.end - j.span.start;
      if (batch.length && speech + len > maxBatchSpeechSec) break;
      batch.push(j);
      speech += len;
    }
    return batch;
  }

  /** The partial of the speech that waits longest; finished speech always goes first. */
  function nextPartial(): PartialJob {
    let best: [string, PartialJob] | undefined;
    for (const e of partials) if (!best || e[1].start < best[1].start) best = e;
    partials.delete(best![0]);
    return best![1];
  }

  /** One engine, one job at a time, across channels and sessions. */
  async function pump(): Promise<void> {
    while (queue.length || partials.size) {
      if (queue.length) await runBatch(nextBatch());
      else await runPartial(nextPartial());
    }
    // In the same turn as the last look at the queue: a job enqueued later starts a new pump.
    pumping = null;
  }

  /** Never throws: a failure is kept on the session and reported by `finish`. */
  async function runBatch(batch: Job[]): Promise<void> {
    const sessionId = batch[0]!.sessionId;
    const s = sessions.get(sessionId)!;
    running = batch;
    for (const j of batch) queue.splice(queue.indexOf(j), 1);
    try {
      const e = (await s.ready).final;
      const segments = await transcribe(s, batch);
      running = [];
      emitFinalCaptions(sessionId, batch, segments);
      if (segments.length) {
        s.segments.push(...segments);
        for (const l of listeners) {
          try {
            l(sessionId, segments);
          } catch {
            // A caption listener's fault (a closed window) must not fail the draft.
          }
        }
        s.writes = s.writes.then(() => opts.store.append(sessionId, segments, { engine: { name: e.name, model: e.model } }));
        s.writes.catch((err: unknown) => (s.failure ??= err));
      }
    } catch (err) {
      s.failure ??= err;
    } finally {
      running = [];
      for (const j of batch) s.trackers[j.span.channel].release(j.span);
      s.pending -= batch.length;
      if (s.pending === 0) s.idle.splice(0).forEach((r) => r());
    }
  }

  /** One final caption per stretch of speech, with the words recognised in it (maybe none). */
  function emitFinalCaptions(sessionId: string, batch: Job[], segments: Segment[]): void {
    const spans = batch.map((j) => j.span);
    const texts = spans.map(() => [] as string[]);
    for (const seg of segments) {
      const mid = (seg.start + seg.end) / 2;
      const i = spans.findIndex((sp) => mid < sp.end + ENGINE_PAD_SEC);
      texts[i < 0 ? spans.length - 1 : i]!.push(seg.text);
    }
    spans.forEach((sp, i) => emitCaption({ sessionId, channel: sp.channel, text: texts[i]!.join(' '), start: round2(sp.start), end: round2(sp.end), final: true }));
  }

  /** Never throws: a partial caption is a preview, its failure only means none is shown. */
  async function runPartial(job: PartialJob): Promise<void> {
    const s = sessions.get(job.sessionId);
    // Stale: the stretch was handed out (its final caption is on the way) or the session ended.
    if (!s || s.state !== 'live') return;
    try {
      const e = (await s.ready).preview;
      const segments = await e.transcribeChannel({ pcm: job.pcm, sampleRate: SAMPLE_RATE, channel: job.channel, regions: [{ channel: job.channel, start: job.start - job.from, end: job.end - job.from }] });
      if (sessions.get(job.sessionId) !== s || s.state !== 'live') return;
      const open = s.trackers[job.channel].openSpeech;
      // The stretch ended while it was transcribed: the final caption supersedes this one.
      if (!open || open.start > job.start + 0.01) return;
      emitCaption({ sessionId: job.sessionId, channel: job.channel, text: segments.map((x) => x.text).join(' '), start: round2(job.start), end: round2(job.end), final: false });
    } catch {
      // The next partial or the final caption will show the words.
    }
  }

  /** The same speaker's speech just before a short batch, as long as its audio is still kept. */
  function leadingContext(s: Session, spans: SpeechSpan[]): SpeechSpan[] {
    const channel = spans[0]!.channel;
    const recent = s.recent[channel];
    const keptFrom = s.trackers[channel].receivedSec - s.trackers[channel].keptSec;
    let speech = spans.reduce((n, sp) => n + sp.end - sp.start, 0);
    const context: SpeechSpan[] = [];
    for (let i = recent.length - 1; i >= 0 && speech < contextSpeechSec - 0.5; i--) {
      const sp = recent[i]!;
      if (sp.end > spans[0]!.start) break;
      // Only the end of a long stretch, cut there like an over-long stretch (its words are dropped anyway).
      const start = Math.max(sp.start, sp.end - (contextSpeechSec - speech), keptFrom + ENGINE_PAD_SEC);
      if (sp.end - start < 0.5) break;
      context.unshift({ ...sp, start, cutBefore: sp.cutBefore || start > sp.start });
      speech += sp.end - start;
    }
    return context;
  }

  async function transcribe(s: Session, batch: Job[]): Promise<Segment[]> {
    const channel = batch[0]!.span.channel;
    const tracker = s.trackers[channel];
    const own = batch.map((j) => j.span);
    const context = leadingContext(s, own);
    const spans = [...context, ...own];
    s.recent[channel] = [...s.recent[channel].filter((sp) => sp.end > own[0]!.start - 30), ...own];
    const from = Math.max(0, spans[0]!.start - (spans[0]!.cutBefore ? 0 : ENGINE_PAD_SEC));
    const last = spans[spans.length - 1]!;
    const to = last.end + (last.cutAfter ? 0 : ENGINE_PAD_SEC);
    const pcm = tracker.slice(from, to);
    const regions: SpeechRegion[] = spans.map((span) => {
      // The engine pads every region; at a cut that would hear the neighbour's words twice.
      const start = span.start + (span.cutBefore ? ENGINE_PAD_SEC : 0) - from;
      const end = span.end - (span.cutAfter ? ENGINE_PAD_SEC : 0) - from;
      return { channel, start, end: Math.max(end, start + 0.01) };
    });
    const segments = await (await s.ready).final.transcribeChannel({ pcm, sampleRate: SAMPLE_RATE, channel, regions });
    const shift = (t: number) => Math.round((t + from) * 100) / 100;
    const shifted = segments.map((seg) => ({ ...seg, start: shift(seg.start), end: shift(seg.end), words: seg.words.map((w) => ({ ...w, start: shift(w.start), end: shift(w.end) })) }));
    if (!context.length) return shifted;
    const ctxFrom = context[0]!.start;
    const before = s.segments.flatMap((seg) => (seg.channel === channel ? seg.words : [])).filter((w) => (w.start + w.end) / 2 >= ctxFrom && w.start < own[0]!.start);
    return withoutContext(shifted, own[0]!.cutBefore ? own[0]!.start : own[0]!.start - ENGINE_PAD_SEC, before.map((w) => w.text));
  }

  async function finishSession(sessionId: string, s: Session): Promise<Segment[]> {
    s.state = 'finishing';
    finished.add(sessionId);
    for (const channel of [0, 1]) partials.delete(`${sessionId}:${channel}`);
    try {
      const e = (await s.ready).final;
      // Channel 0 first: at equal times its leftovers are transcribed first.
      for (const t of s.trackers) enqueue(sessionId, t.flush());
      if (s.pending) await new Promise<void>((r) => s.idle.push(r));
      await s.writes.catch(() => undefined);
      if (s.failure) {
        throw isAppError(s.failure) ? s.failure : new AppError('stt.unavailable', `Draft transcription failed: ${s.failure instanceof Error ? s.failure.message : String(s.failure)}`, { cause: s.failure });
      }
      const all = mergeChannelSegments(s.segments.filter((x) => x.channel === 0), s.segments.filter((x) => x.channel === 1));
      await opts.store.replace(sessionId, all, { complete: true, engine: { name: e.name, model: e.model } });
      return all;
    } finally {
      sessions.delete(sessionId);
      releaseEngineIfIdle();
    }
  }

  function lagOf(sessionId: string): number {
    let sec = 0;
    for (const j of [...queue, ...running]) if (j.sessionId === sessionId) sec += j.span.end - j.span.start;
    return Math.round(sec * 100) / 100;
  }

  return {
    async start(sessionId) {
      let s = sessions.get(sessionId);
      if (!s) {
        if (finished.has(sessionId)) throw new AppError('session.state_invalid', `The draft of session ${sessionId} is already finished.`);
        const ready = loadEngine();
        s = {
          trackers: [new SpeechTracker({ ...opts.tracker, channel: 0, sampleRate: SAMPLE_RATE }), new SpeechTracker({ ...opts.tracker, channel: 1, sampleRate: SAMPLE_RATE })],
          ready,
          state: 'live',
          segments: [],
          writes: Promise.resolve(),
          pending: 0,
          idle: [],
          partialAt: [-Infinity, -Infinity],
          recent: [[], []],
        };
        sessions.set(sessionId, s);
        const created = s;
        ready.catch(() => {
          if (sessions.get(sessionId) === created) sessions.delete(sessionId);
        });
      }
      const e = (await s.ready).final;
      return { name: e.name, model: e.model };
    },

    pushAudio(sessionId, channel, samples) {
      const s = sessionOf(sessionId);
      if (s.state !== 'live') throw new AppError('session.state_invalid', `The draft of session ${sessionId} is finishing; no more audio is accepted.`);
      enqueue(sessionId, s.trackers[channel].push(samples));
      maybeRequestPartial(sessionId, s, channel);
    },

    finish(sessionId) {
      const s = sessionOf(sessionId);
      s.finishing ??= finishSession(sessionId, s);
      return s.finishing;
    },

    onSegments(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    onCaption(listener) {
      captionListeners.add(listener);
      return () => captionListeners.delete(listener);
    },

    has: (sessionId) => sessions.has(sessionId),

    progress(sessionId) {
      const s = sessionOf(sessionId);
      return { receivedSec: [round2(s.trackers[0].receivedSec), round2(s.trackers[1].receivedSec)], lagSec: lagOf(sessionId) };
    },

    async close() {
      queue.length = 0;
      partials.clear();
      await pumping;
      for (const s of sessions.values()) {
        s.failure ??= new AppError('stt.unavailable', 'The draft transcriber was closed before the draft was finished.');
        s.idle.splice(0).forEach((r) => r());
      }
      sessions.clear();
      releaseEngineIfIdle();
      await closing;
    },
  };
}

/**
 * Finished speech and previews share one engine (one queue). A preview is superseded within
 * seconds: its decoding is capped tighter (a looping decoder still runs every fallback temperature
 * up to the cap) and a loop is cut, never retried.
 */
const previewBounds: LiveBounds = { tokensPerSec: 4, tokensBase: 6, loopRetryMarginSec: 0 };
interface Engines {
  final: SttEngine;
  preview: SttEngine;
}

function enginesOf(e: WhisperEngine): Engines {
  return { final: e, preview: e.withLiveBounds(previewBounds) };
}

/**
 * Leading context for short finished speech (`contextSpeechSec`). Replaying the 5-minute bench
 * session with the queue keeping up (each stretch alone), final-draft WER per channel: none
 * 0.170 / 0.117, 5 s 0.164 / 0.114, 8 s 0.166 / 0.084, 12 s 0.157 / 0.111; engine time per call
 * p50 0.44 / 0.50 / 0.84 / 1.06 s. Alone, tiny.en missed one-word turns ("Right.") and first words.
 */
const CONTEXT_SEC = 8;

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

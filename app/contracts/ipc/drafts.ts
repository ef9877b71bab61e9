import { z } from 'zod';
import { Id } from '../api';
import { Channel, Segment } from '../../transcript/transcript';
import type { ContractMap, EventContract } from '../ipc-contract';
import { IsoTime } from './common';

/** The on-device draft transcript of a session (channel = speaker), stored locally, offline too. */
export const DraftTranscript = z.object({
  sessionId: Id,
  /** Sorted by start time, both channels interleaved. */
  segments: z.array(Segment),
  /** True once the full draft after the call is written; live captions leave it false. */
  complete: z.boolean(),
  engine: z.object({ name: z.string(), model: z.string() }).nullable(),
  updatedAt: IsoTime.nullable(),
});
export type DraftTranscript = z.infer<typeof DraftTranscript>;

/** Sample rate of the audio fed to the draft transcriber. */
export const DRAFT_SAMPLE_RATE = 16000;
/** The longest chunk one `drafts:feed` call may carry (the renderer sends ~0.5–1 s). */
export const DRAFT_MAX_CHUNK_SEC = 10;

/**
 * One chunk of one speaker's audio: 16 kHz mono float32 samples in [-1, 1], little-endian bytes
 * (`new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength)` on every platform we ship).
 */
export const DraftPcmChunk = z
  .instanceof(Uint8Array)
  .refine((b) => b.byteLength % 4 === 0, { message: 'pcm must hold whole float32 samples (a multiple of 4 bytes)' })
  .refine((b) => b.byteLength <= DRAFT_SAMPLE_RATE * DRAFT_MAX_CHUNK_SEC * 4, { message: `pcm chunk longer than ${DRAFT_MAX_CHUNK_SEC} s` });

/** Where live transcription of a session stands. */
export const DraftProgress = z.object({
  /** Seconds of audio received per channel (index = channel). */
  receivedSec: z.tuple([z.number().nonnegative(), z.number().nonnegative()]),
  /** Seconds of detected speech waiting for (or in) transcription: how far the live draft is behind. */
  lagSec: z.number().nonnegative(),
});
export type DraftProgress = z.infer<typeof DraftProgress>;

export const DraftsContract = {
  /** An empty draft when none exists yet. */
  'drafts:get': { input: z.object({ sessionId: Id }), output: DraftTranscript },
  /** Adds segments (live captions); with `complete`, marks the draft final. */
  'drafts:append': {
    input: z.object({ sessionId: Id, segments: z.array(Segment).max(10_000), complete: z.boolean().default(false), engine: DraftTranscript.shape.engine.optional() }),
    output: DraftTranscript,
  },
  /** Replaces the whole draft (the full pass after the call supersedes the live captions). */
  'drafts:replace': {
    input: z.object({ sessionId: Id, segments: z.array(Segment).max(100_000), complete: z.boolean().default(true), engine: DraftTranscript.shape.engine.optional() }),
    output: DraftTranscript,
  },
  /** Starts on-device transcription of a session (loads the Whisper model); `drafts:feed` starts it too. */
  'drafts:start': { input: z.object({ sessionId: Id }), output: z.object({ engine: z.object({ name: z.string(), model: z.string() }) }) },
  /**
   * Audio of one speaker, in order and without gaps per channel; sample 0 is the recording start.
   * Speech is transcribed as soon as it ends (or every ~10 s of continuous speech); results arrive
   * as `drafts:updated` events. Audio is never dropped: when transcription falls behind, `lagSec` grows.
   */
  'drafts:feed': { input: z.object({ sessionId: Id, channel: Channel, pcm: DraftPcmChunk }), output: DraftProgress },
  /** Transcribes what is left, stores the complete draft (sorted) and returns it. Idempotent. */
  'drafts:finish': { input: z.object({ sessionId: Id }), output: DraftTranscript },
} satisfies ContractMap;

/**
 * A live caption of one speaker. A partial one shows speech still going on and is replaced by the
 * next caption of that channel; a final one is a finished stretch of speech (its text may be empty
 * when nothing was recognised) and supersedes any partial it overlaps. Never stored: the stored
 * draft is what `drafts:updated` carries.
 */
export const DraftCaption = z.object({
  sessionId: Id,
  channel: Channel,
  text: z.string(),
  /** Seconds from the recording start. */
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  final: z.boolean(),
});
export type DraftCaption = z.infer<typeof DraftCaption>;

export const DraftEvents = {
  'drafts:updated': z.object({
    sessionId: Id,
    added: z.array(Segment),
    replaced: z.boolean(),
    complete: z.boolean(),
    /** Seconds of speech still waiting for live transcription (absent when no transcriber runs). */
    lagSec: z.number().nonnegative().optional(),
  }),
  'drafts:caption': DraftCaption,
} satisfies EventContract;

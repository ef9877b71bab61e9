import type { Channel, Segment } from '../../app/transcript/transcript';

/**
 * NOT IMPLEMENTED YET. The on-device draft transcriber (whisper.cpp, the same engine and model as
 * the backend) will implement this: it is fed 16 kHz mono PCM per channel, gated by voice activity,
 * emits live segments during the call (the drafts feature stores them via DraftStore.append) and a
 * full pass after it (DraftStore.replace).
 */
export interface DraftTranscriber {
  /** Starts a session's draft; `language` e.g. 'en'. */
  start(sessionId: string, opts?: { language?: string }): Promise<void>;
  /** Audio of one speaker: 16 kHz mono float samples in [-1, 1], in order, without gaps. */
  pushAudio(sessionId: string, channel: Channel, samples: Float32Array): void;
  /** Stops live captioning and returns the full draft of both channels, sorted by start. */
  finish(sessionId: string): Promise<Segment[]>;
  /** Live segments as they are recognised. */
  onSegments(listener: (sessionId: string, segments: Segment[]) => void): () => void;
  close(): Promise<void>;
}

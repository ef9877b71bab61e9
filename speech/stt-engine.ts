import type { Channel, Segment, SpeechRegion } from '../app/transcript/transcript';

export interface ChannelAudio {
  /** Mono float samples of one channel, [-1, 1]. */
  pcm: Float32Array;
  sampleRate: 16000;
  channel: Channel;
  /** Voice-active regions of this channel (app/audio/vad.ts); only these are transcribed. */
  regions: SpeechRegion[];
}

/** A speech-to-text engine: one channel in, that channel's segments (recording timeline) out. */
export interface SttEngine {
  readonly name: string;
  readonly model: string;
  transcribeChannel(input: ChannelAudio, onProgress?: (fraction: number) => void): Promise<Segment[]>;
  close(): Promise<void>;
}

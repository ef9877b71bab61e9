import { z } from 'zod';

/** Channel index = speaker. Channel 0 is the session owner (clinician), channel 1 the other party. */
export const Channel = z.union([z.literal(0), z.literal(1)]);
export type Channel = z.infer<typeof Channel>;

/** Times are seconds from the start of the recording. */
export const Word = z.object({
  text: z.string(),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  confidence: z.number().min(0).max(1).optional(),
});
export type Word = z.infer<typeof Word>;

export const Segment = z.object({
  channel: Channel,
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  text: z.string(),
  words: z.array(Word),
});
export type Segment = z.infer<typeof Segment>;

export const Transcript = z.object({
  /** Sorted by start time, both channels interleaved. */
  segments: z.array(Segment),
  language: z.string(),
  durationSec: z.number().nonnegative(),
  engine: z.object({ name: z.string(), model: z.string() }),
});
export type Transcript = z.infer<typeof Transcript>;

/** A span of detected speech on one channel (from voice-activity detection). */
export const SpeechRegion = z.object({ channel: Channel, start: z.number(), end: z.number() });
export type SpeechRegion = z.infer<typeof SpeechRegion>;

export function mergeChannelSegments(a: Segment[], b: Segment[]): Segment[] {
  return [...a, ...b].sort((x, y) => x.start - y.start || x.channel - y.channel);
}

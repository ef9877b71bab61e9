import { z } from 'zod';

export const SpeakerMetrics = z.object({
  channel: z.union([z.literal(0), z.literal(1)]),
  talkTimeSec: z.number(),
  /** Share of total talk time (0..1); both speakers sum to 1 when anyone spoke. */
  talkRatio: z.number(),
  turns: z.number().int(),
  words: z.number().int(),
  /** Words per minute over this speaker's talk time. */
  speechRateWpm: z.number(),
  longestMonologueSec: z.number(),
  questions: z.object({ open: z.number().int(), closed: z.number().int(), total: z.number().int() }),
  /** Times this speaker started talking while the other was mid-turn and the other then stopped. */
  interruptionsMade: z.number().int(),
  /** Short utterances said entirely while the other speaks ("mm-hmm"); they never take the floor. */
  backchannels: z.number().int().optional(),
});
export type SpeakerMetrics = z.infer<typeof SpeakerMetrics>;

export const ConversationMetrics = z.object({
  durationSec: z.number(),
  speakers: z.tuple([SpeakerMetrics, SpeakerMetrics]),
  /** Seconds during which both channels speak at once, and how many such episodes. */
  overlap: z.object({ totalSec: z.number(), count: z.number().int() }),
  /** Silences between turns (both channels silent), in seconds. */
  pauses: z.object({ count: z.number().int(), totalSec: z.number(), longestSec: z.number(), meanSec: z.number(), thresholdSec: z.number() }),
  /** Speaking intervals per channel, for the talk-time timeline. */
  timeline: z.array(z.object({ channel: z.union([z.literal(0), z.literal(1)]), start: z.number(), end: z.number() })),
});
export type ConversationMetrics = z.infer<typeof ConversationMetrics>;

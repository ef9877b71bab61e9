import { z } from 'zod';
import { Channel } from '../../app/transcript/transcript';

/** The codes of one clinician sentence: one from each rubric's code set. */
export const UtteranceCodes = z.strictObject({ mi: z.string().min(1), general: z.string().min(1) });
export type UtteranceCodes = z.infer<typeof UtteranceCodes>;

/**
 * A conversation to synthesise. Timing is intent, not absolute time: each line either follows the
 * conversation after `gapSec` of silence, or starts `overlapSec` before the previous line ends.
 */
export const ScriptLine = z
  .object({
    channel: Channel,
    text: z.string().min(1),
    /** Silence between the end of everything said so far and this line (default 0.5 s). */
    gapSec: z.number().nonnegative().optional(),
    /** This line starts this long before the previous script line ends (an overlap or backchannel). */
    overlapSec: z.number().positive().optional(),
    /** What the line is meant to show (e.g. "reflection"); for readers, not used in synthesis. */
    intent: z.string().optional(),
    /**
     * Behaviour codes of a clinician line, one entry per sentence in order (MI and general code
     * sets of resources/rubrics/): sequence-coding ground truth for the evaluation set. Optional.
     */
    codes: z.array(UtteranceCodes).min(1).optional(),
  })
  .refine((l) => l.gapSec === undefined || l.overlapSec === undefined, { message: 'a line has either gapSec or overlapSec, not both' });
export type ScriptLine = z.infer<typeof ScriptLine>;

export const Participant = z.object({ channel: Channel, displayName: z.string(), roleLabel: z.string() });
export type Participant = z.infer<typeof Participant>;

export const SessionScript = z.object({
  title: z.string(),
  language: z.string().default('en'),
  rubricId: z.string().optional(),
  participants: z.tuple([Participant, Participant]),
  /** Silence before the first line and after the last. */
  leadInSec: z.number().nonnegative().default(0.5),
  tailSec: z.number().nonnegative().default(1),
  lines: z.array(ScriptLine).min(1),
});
export type SessionScript = z.infer<typeof SessionScript>;

/** Where each line's speech actually is in the synthesised audio (seconds, 10 ms precision). */
export const GroundTruthLine = z.object({
  index: z.number().int().nonnegative(),
  channel: Channel,
  speaker: z.string(),
  text: z.string(),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  /** Copied from the script line when it has codes. */
  codes: z.array(UtteranceCodes).optional(),
});
export type GroundTruthLine = z.infer<typeof GroundTruthLine>;

export const GroundTruth = z.object({
  title: z.string(),
  language: z.string(),
  sampleRate: z.number().int().positive(),
  durationSec: z.number().positive(),
  voices: z.array(z.object({ channel: Channel, voice: z.string(), wordsPerMinute: z.number().optional() })),
  lines: z.array(GroundTruthLine),
  /** Spans where both channels speak, with the two lines involved (earlier-starting first). */
  overlaps: z.array(z.object({ start: z.number(), end: z.number(), lines: z.tuple([z.number().int(), z.number().int()]) })),
});
export type GroundTruth = z.infer<typeof GroundTruth>;

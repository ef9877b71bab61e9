import type { Channel, Segment, Transcript } from '../transcript/transcript';

/** A segment whose words (punctuation attached, as recognisers emit them) tile [start, end] evenly. */
export function timedSegment(channel: Channel, start: number, end: number, text: string): Segment {
  const tokens = text.split(/\s+/).filter((t) => t.length > 0);
  const d = (end - start) / tokens.length;
  return { channel, start, end, text, words: tokens.map((t, i) => ({ text: t, start: start + i * d, end: start + (i + 1) * d })) };
}

export function transcriptOf(segments: Segment[]): Transcript {
  const sorted = [...segments].sort((a, b) => a.start - b.start);
  return { segments: sorted, language: 'en', durationSec: Math.max(0, ...sorted.map((s) => s.end)), engine: { name: 'test', model: 'hand-built' } };
}

/** A short consultation: the clinician on channel 0, the patient on channel 1. */
export const consultation = transcriptOf([
  timedSegment(0, 0, 4, "Hello, I'm Doctor Patel. What brings you in today?"),
  timedSegment(1, 4.5, 9, "I've been having these headaches for about twenty-five days now."),
  timedSegment(1, 9.2, 12, "They're worse in the mornings, and I can't sleep."),
  timedSegment(0, 12.5, 16, 'It sounds like the headaches are really wearing you down.'),
  timedSegment(1, 16.5, 18, 'Yes, exactly.'),
  timedSegment(0, 18.5, 22, "You're, um, worried it could be something serious."),
  timedSegment(1, 22.5, 26, "I am. My father had a stroke at fifty-two."),
  timedSegment(0, 26.5, 30, 'So on one hand you want answers, and on the other you are scared of them.'),
]);

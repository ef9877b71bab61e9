import { describe, expect, it } from 'vitest';
import type { Channel, Segment } from '../transcript/transcript';
import { ConversationMetrics } from './metrics-model';
import { computeConversationMetrics } from './conversation-metrics';

/** A segment whose words tile [start, end] evenly, so its speaking time is exactly that span. */
function seg(channel: Channel, start: number, end: number, text: string): Segment {
  const tokens = text.split(/\s+/);
  const d = (end - start) / tokens.length;
  return {
    channel,
    start,
    end,
    text,
    words: tokens.map((t, i) => ({ text: t, start: start + i * d, end: i === tokens.length - 1 ? end : start + (i + 1) * d })),
  };
}

// A consultation with known timing (seconds):
//   A 0–10 | B 10.5–20 | A 19–21 (interrupts B, 1 s overlap) | silence 21–23.5 |
//   B 23.5–30 with A's "Mm-hmm" 25–25.5 inside | A 30.6–40 | silence 40–45 | A 45–50 |
//   B 49–60 (interrupts A, 1 s overlap)
const session: Segment[] = [
  seg(0, 0, 10, 'Hello there. What brings you in today?'),
  seg(1, 10.5, 20, 'I have had headaches for about a week now.'),
  seg(0, 19, 21, 'Do you get them every day?'),
  seg(1, 23.5, 30, 'Yes, most mornings.'),
  seg(0, 25, 25.5, 'Mm-hmm.'),
  seg(0, 30.6, 40, 'Tell me more about the mornings. How many hours do you sleep?'),
  seg(0, 45, 50, 'Okay.'),
  seg(1, 49, 60, 'It depends on the day.'),
];

describe('computeConversationMetrics on a session with known timing', () => {
  const m = computeConversationMetrics({ segments: session, durationSec: 60 });
  const [a, b] = m.speakers;

  it('produces a value the metrics schema accepts', () => {
    expect(ConversationMetrics.parse(m)).toEqual(m);
  });

  it('measures talk time as the union of each channel’s speech and the ratio of the total', () => {
    expect(a.talkTimeSec).toBe(26.9);
    expect(b.talkTimeSec).toBe(27);
    expect(a.talkRatio).toBe(0.4991);
    expect(b.talkRatio).toBe(0.5009);
  });

  it('counts turns by who speaks alone, ignoring a backchannel said inside the other’s speech', () => {
    expect(a.turns).toBe(3);
    expect(b.turns).toBe(3);
    expect(a.backchannels).toBe(1);
    expect(b.backchannels).toBe(0);
  });

  it('keeps the floor with the same speaker across a pause and reports the longest turn', () => {
    expect(a.longestMonologueSec).toBe(19.4); // 30.6–50: resumed after a 5 s silence
    expect(b.longestMonologueSec).toBe(11);
  });

  it('counts each overlap episode, backchannel included, and their total', () => {
    expect(m.overlap).toEqual({ count: 3, totalSec: 2.5 });
  });

  it('counts an interruption when the interrupted speaker stops within the window', () => {
    expect(a.interruptionsMade).toBe(1);
    expect(b.interruptionsMade).toBe(1);
  });

  it('reports mutual silences at or above the threshold as pauses', () => {
    expect(m.pauses).toEqual({ count: 2, totalSec: 7.5, longestSec: 5, meanSec: 3.75, thresholdSec: 1 });
  });

  it('counts words and the speech rate over own talk time', () => {
    expect(a.words).toBe(27);
    expect(b.words).toBe(17);
    expect(a.speechRateWpm).toBe(60.2); // 27 / (26.9 / 60) = 60.22
    expect(b.speechRateWpm).toBe(37.8);
  });

  it('counts open and closed questions per speaker', () => {
    expect(a.questions).toEqual({ open: 2, closed: 2, total: 4 });
    expect(b.questions).toEqual({ open: 0, closed: 0, total: 0 });
  });

  it('lists every speaking stretch in the timeline, sorted by start', () => {
    expect(m.timeline).toEqual([
      { channel: 0, start: 0, end: 10 },
      { channel: 1, start: 10.5, end: 20 },
      { channel: 0, start: 19, end: 21 },
      { channel: 1, start: 23.5, end: 30 },
      { channel: 0, start: 25, end: 25.5 },
      { channel: 0, start: 30.6, end: 40 },
      { channel: 0, start: 45, end: 50 },
      { channel: 1, start: 49, end: 60 },
    ]);
    expect(m.durationSec).toBe(60);
  });

  it('raises the pause count when the threshold is lowered', () => {
    const low = computeConversationMetrics({ segments: session, durationSec: 60 }, { pauseThresholdSec: 0.5 });
    expect(low.pauses).toEqual({ count: 4, totalSec: 8.6, longestSec: 5, meanSec: 2.15, thresholdSec: 0.5 });
  });
});

describe('computeConversationMetrics edge cases', () => {
  it('returns zeros for an empty transcript', () => {
    const m = computeConversationMetrics({ segments: [], durationSec: 30 });
    for (const s of m.speakers) {
      expect(s).toEqual({
        channel: s.channel, talkTimeSec: 0, talkRatio: 0, turns: 0, words: 0, speechRateWpm: 0, longestMonologueSec: 0,
        questions: { open: 0, closed: 0, total: 0 }, interruptionsMade: 0, backchannels: 0,
      });
    }
    expect(m.overlap).toEqual({ count: 0, totalSec: 0 });
    expect(m.pauses).toMatchObject({ count: 0, totalSec: 0, longestSec: 0, meanSec: 0 });
    expect(m.timeline).toEqual([]);
  });

  it('gives all talk to the only speaker when the other is silent', () => {
    const m = computeConversationMetrics({ segments: [seg(0, 0, 5, 'one two three four five'), seg(0, 7, 12, 'six seven eight nine ten')], durationSec: 20 });
    const [a, b] = m.speakers;
    expect([a.talkTimeSec, a.talkRatio, a.turns, a.longestMonologueSec, a.speechRateWpm]).toEqual([10, 1, 1, 12, 60]);
    expect([b.talkTimeSec, b.talkRatio, b.turns, b.words]).toEqual([0, 0, 0, 0]);
    expect(m.pauses).toMatchObject({ count: 1, totalSec: 2 });
  });

  it('gives no turn to either speaker when both speak over exactly the same span', () => {
    const m = computeConversationMetrics({ segments: [seg(0, 0, 10, 'a b c d e'), seg(1, 0, 10, 'f g h i j')], durationSec: 10 });
    expect(m.speakers.map((s) => s.turns)).toEqual([0, 0]);
    expect(m.speakers.map((s) => s.talkRatio)).toEqual([0.5, 0.5]);
    expect(m.overlap).toEqual({ count: 1, totalSec: 10 });
    expect(m.speakers.map((s) => s.interruptionsMade)).toEqual([0, 0]);
  });

  it('does not give the floor to talk that is entirely overlapped by a longer stretch', () => {
    const m = computeConversationMetrics({ segments: [seg(0, 0, 10, 'a b c d e f g h i j'), seg(1, 2, 6, 'k l m n')], durationSec: 10 });
    expect(m.speakers.map((s) => s.turns)).toEqual([1, 0]);
    expect(m.speakers[1].backchannels).toBe(0); // 4 s is too long for a backchannel
    expect(m.overlap).toEqual({ count: 1, totalSec: 4 });
    expect(m.speakers.map((s) => s.interruptionsMade)).toEqual([0, 0]);
  });

  it('does not count a short terminal overlap or a long overlap as an interruption', () => {
    const early = computeConversationMetrics({ segments: [seg(0, 0, 5, 'a b c'), seg(1, 4.9, 8, 'd e f')], durationSec: 8 });
    expect(early.speakers[1].interruptionsMade).toBe(0);
    expect(early.speakers[1].turns).toBe(1);
    const long = computeConversationMetrics({ segments: [seg(0, 0, 10, 'a b c'), seg(1, 5, 14, 'd e f')], durationSec: 14 });
    expect(long.speakers[1].interruptionsMade).toBe(0); // A went on for 5 s: overlap, not an interruption
    expect(long.speakers[1].turns).toBe(1);
  });

  it('joins words separated by less than the join gap into one stretch', () => {
    const words = [
      { text: 'I', start: 0, end: 0.5 },
      { text: 'see', start: 0.7, end: 1 }, // 0.2 s gap: same stretch
      { text: 'now', start: 1.5, end: 2 }, // 0.5 s gap: a new stretch
    ];
    const m = computeConversationMetrics({ segments: [{ channel: 0, start: 0, end: 2, text: 'I see now', words }], durationSec: 2 });
    expect(m.timeline).toEqual([{ channel: 0, start: 0, end: 1 }, { channel: 0, start: 1.5, end: 2 }]);
    expect(m.speakers[0].talkTimeSec).toBe(1.5);
  });

  it('uses voice-activity regions for timing when they are given', () => {
    const m = computeConversationMetrics({
      segments: [seg(0, 0, 4, 'hello how are you'), seg(1, 5, 7, 'fine thanks')],
      durationSec: 8,
      speechRegions: [{ channel: 0, start: 0.5, end: 3.5 }, { channel: 1, start: 5, end: 6 }],
    });
    expect(m.speakers.map((s) => s.talkTimeSec)).toEqual([3, 1]);
    expect(m.speakers[1].speechRateWpm).toBe(120);
  });

  it('falls back to the segment span when a segment has no words, clipped to the duration', () => {
    const m = computeConversationMetrics({ segments: [{ channel: 1, start: 2, end: 12, text: 'late words', words: [] }], durationSec: 10 });
    expect(m.timeline).toEqual([{ channel: 1, start: 2, end: 10 }]);
  });
});

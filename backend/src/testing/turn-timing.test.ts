import { describe, expect, it } from 'vitest';
import type { Segment } from '../../../app/transcript/transcript';
import { turnTiming } from './turn-timing';

const lines = [
  { channel: 0 as const, text: 'Are you still taking it?', start: 13, end: 18 },
  { channel: 1 as const, text: "Yes, I haven't missed a day.", start: 18.5, end: 22.3 },
  { channel: 0 as const, text: "That's good to hear.", start: 23.1, end: 24.5 },
];
const seg = (channel: 0 | 1, words: Array<[string, number, number]>): Segment => ({
  channel,
  start: words[0]![1],
  end: words[words.length - 1]![2],
  text: words.map((w) => w[0]).join(' '),
  words: words.map(([text, start, end]) => ({ text, start, end })),
});
const patient = seg(1, [['Yes,', 18.6, 19], ['I', 19, 19.2], ["haven't", 19.2, 19.8], ['missed', 19.8, 20.4], ['a', 20.4, 20.5], ['day.', 20.5, 22]]);

describe('turnTiming', () => {
  it('finds a word timed into the previous turn, the turn it splits and a zero-length segment', () => {
    const report = turnTiming(lines, [
      seg(0, [['Are', 13, 13.5], ['you', 13.5, 14], ['still', 14, 15], ['taking', 15, 16], ['it?', 16, 17.6], ["That's", 17.6, 18.1]]),
      patient,
      seg(0, [['good', 23.1, 23.4], ['to', 23.4, 23.6], ['hear.', 23.6, 24.4]]),
      seg(0, [['And', 24.4, 24.4]]),
    ]);
    expect(report.misplacedWords.map((w) => w.text)).toEqual(["That's"]);
    expect(report.splitTurns.map((s) => s.line)).toEqual([2]);
    expect(report.zeroLengthSegments.map((s) => s.text)).toEqual(['And']);
    expect(report.zeroLengthWords).toBe(1);
  });

  it('passes the same words timed inside their turns, misheard words included', () => {
    const report = turnTiming(lines, [
      seg(0, [['Are', 13, 13.5], ['you', 13.5, 14], ['still', 14, 15], ['baking', 15, 16], ['it?', 16, 17.6]]),
      patient,
      seg(0, [["That's", 23.1, 23.4], ['good', 23.4, 23.7], ['to', 23.7, 23.8], ['fear.', 23.8, 24.4]]),
    ]);
    expect(report).toMatchObject({ misplacedWords: [], splitTurns: [], zeroLengthSegments: [], zeroLengthWords: 0 });
    expect(report.words).toBe(15);
  });

  it('accepts the other speaker talking inside a turn when the ground truth has them overlap', () => {
    const overlap = [
      { channel: 1 as const, text: 'I know I should do more but there is no time.', start: 34.5, end: 47.3 },
      { channel: 0 as const, text: 'Right.', start: 44, end: 44.5 },
    ];
    const report = turnTiming(overlap, [
      seg(1, [['I', 34.5, 35], ['know', 35, 36], ['I', 36, 37], ['should', 37, 38], ['do', 38, 39], ['more', 39, 40]]),
      seg(0, [['Right.', 44, 44.5]]),
      seg(1, [['but', 44.6, 44.8], ['there', 44.8, 45], ['is', 45, 45.5], ['no', 45.5, 46], ['time.', 46, 47]]),
    ]);
    expect(report.splitTurns).toEqual([]);
    // The same "Right." said after the answer would split it.
    const late = turnTiming([overlap[0]!, { ...overlap[1]!, start: 48, end: 48.5 }], [
      seg(1, [['I', 34.5, 35], ['know', 35, 36]]),
      seg(0, [['Right.', 44, 44.5]]),
      seg(1, [['but', 44.6, 44.8], ['time.', 46, 47]]),
    ]);
    expect(late.splitTurns.map((s) => s.line)).toEqual([0]);
  });
});

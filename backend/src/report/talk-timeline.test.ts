import { describe, expect, it } from 'vitest';
import { chooseTickStep, overlapIntervals } from './talk-timeline';

describe('talk-time timeline', () => {
  it('adapts the tick step to the length of the session', () => {
    expect(chooseTickStep(20)).toBe(5);
    expect(chooseTickStep(180)).toBe(30);
    expect(chooseTickStep(600)).toBe(60);
    expect(chooseTickStep(1800)).toBe(300);
    expect(chooseTickStep(31 * 60)).toBe(300);
    expect(chooseTickStep(3 * 3600)).toBe(1200);
    expect(chooseTickStep(0)).toBe(5);
  });

  it('never draws more than the allowed number of tick intervals', () => {
    for (const d of [7, 59, 61, 299, 301, 1799, 1801, 5400, 40_000]) expect(d / chooseTickStep(d)).toBeLessThanOrEqual(10);
  });

  it('finds the spans where both channels speak at once', () => {
    const timeline = [
      { channel: 0 as const, start: 0, end: 5 },
      { channel: 1 as const, start: 4, end: 6 },
      { channel: 0 as const, start: 10, end: 20 },
      { channel: 1 as const, start: 12, end: 13 },
      { channel: 1 as const, start: 19.5, end: 25 },
      { channel: 1 as const, start: 30, end: 31 },
    ];
    expect(overlapIntervals(timeline)).toEqual([
      { start: 4, end: 5 },
      { start: 12, end: 13 },
      { start: 19.5, end: 20 },
    ]);
  });
});

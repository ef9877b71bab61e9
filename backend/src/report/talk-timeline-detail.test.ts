import { describe, expect, it } from 'vitest';
import { detailWindowSec } from './talk-timeline-detail';

describe('detailed talk-time timeline', () => {
  it('is left out for short sessions, where the overview already shows each turn', () => {
    expect(detailWindowSec(180)).toBeNull();
    expect(detailWindowSec(12 * 60)).toBeNull();
  });

  it('splits long sessions into at most six rows of a round length', () => {
    expect(detailWindowSec(30 * 60)).toBe(300);
    expect(detailWindowSec(31 * 60)).toBe(600);
    expect(detailWindowSec(62 * 60)).toBe(900);
    for (const d of [13 * 60, 45 * 60, 2 * 3600, 10 * 3600]) expect(d / detailWindowSec(d)!).toBeLessThanOrEqual(6);
  });
});

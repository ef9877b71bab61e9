import { describe, expect, it } from 'vitest';
import { plannedRowSeconds, remainingSeconds, remainingText } from './evaluation-estimate';

describe('remaining-time estimate', () => {
  it('expects the bench machine\'s times from the recording length alone at the start', () => {
    // The 3-minute sample took 230.9 s from upload to PDF on the bench machine (its steps 227 s).
    const total = plannedRowSeconds(175.14).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(220);
    expect(total).toBeLessThan(235);
    expect(remainingSeconds({ audioSec: 175.14, row: 0, elapsedSec: 0, rowStartedAtSec: 0 })).toBeCloseTo(total, 5);
    // A longer recording needs longer.
    expect(remainingSeconds({ audioSec: 1800, row: 0, elapsedSec: 0, rowStartedAtSec: 0 })).toBeGreaterThan(600);
  });

  it('counts down within a step and scales the rest by the speed seen so far', () => {
    const plan = plannedRowSeconds(175.14);
    const beforeScoring = plan.slice(0, 3).reduce((a, b) => a + b, 0);
    const rest = plan.slice(3).reduce((a, b) => a + b, 0);
    // As fast as the bench: scoring started at its planned time; 10 s into it, 10 s less is left.
    expect(remainingSeconds({ audioSec: 175.14, row: 3, elapsedSec: beforeScoring + 10, rowStartedAtSec: beforeScoring })).toBeCloseTo(rest - 10, 5);
    // Ten times faster so far (a hosted model): a tenth of the rest.
    const fast = remainingSeconds({ audioSec: 175.14, row: 3, elapsedSec: beforeScoring / 10, rowStartedAtSec: beforeScoring / 10 });
    expect(fast).toBeCloseTo(rest / 10, 5);
  });

  it('never reads zero while a step runs over, and stays with the rates when the page opened mid-step', () => {
    const plan = plannedRowSeconds(60);
    expect(remainingSeconds({ audioSec: 60, row: 6, elapsedSec: 10_000, rowStartedAtSec: 9_000 })).toBeGreaterThan(0);
    const opened = remainingSeconds({ audioSec: 60, row: 4, elapsedSec: 500, rowStartedAtSec: null });
    expect(opened).toBeCloseTo(plan[4]! * 0.1 + plan[5]! + plan[6]!, 5);
  });

  it('says it in rounded words', () => {
    expect(remainingText(4)).toBe('Almost done');
    expect(remainingText(33)).toBe('About 40 s left');
    expect(remainingText(185)).toBe('About 3 min left');
  });
});

import { describe, expect, it } from 'vitest';
import { orderedProgress } from './ordered-progress';

/** A store whose writes take a while and may finish out of order, as parallel database round trips do. */
function slowStore() {
  const seen: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (f: number) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Earlier values wait longer: unordered writes would land 0.9, then 0.5, then 0.1.
    await new Promise((r) => setTimeout(r, 30 * (1 - f)));
    seen.push(f);
    inFlight--;
  };
  return { seen, write, maxInFlight: () => maxInFlight };
}

describe('orderedProgress', () => {
  it('writes one at a time, never goes back, and ends on the last value reported', async () => {
    const store = slowStore();
    const p = orderedProgress(store.write);
    p.report(0.1);
    await new Promise((r) => setTimeout(r, 5)); // 0.1 is being written
    for (const f of [0.2, 0.3, 0.25, 0.5, 0.9]) p.report(f);
    await p.settle();
    expect(store.maxInFlight()).toBe(1);
    expect(store.seen).toEqual([0.1, 0.9]);
    p.report(0.4);
    p.report(0.95);
    await p.settle();
    expect(store.seen).toEqual([0.1, 0.9, 0.95]);
  });

  it('drops a value below one already written, and survives a failing write', async () => {
    const seen: number[] = [];
    const p = orderedProgress(async (f) => {
      if (f === 0.3) throw new Error('database gone');
      seen.push(f);
    });
    p.report(0.5);
    await p.settle();
    p.report(0.4);
    await p.settle();
    p.report(0.3);
    await p.settle();
    p.report(0.6);
    await p.settle();
    expect(seen).toEqual([0.5, 0.6]);
  });

  it('settles at once when nothing was reported', async () => {
    await expect(orderedProgress(async () => undefined).settle()).resolves.toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { createEchoBleedMonitor } from './echo-bleed-monitor';

/** 100 ms meter readings of a far end talking in bursts (about 1.5 s on, 0.8 s off), seeded. */
function farEndLevels(seconds: number, seed = 3): number[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const out: number[] = [];
  while (out.length < seconds * 10) {
    const on = 10 + Math.floor(rnd() * 10);
    for (let i = 0; i < on; i++) out.push(-35 + rnd() * 20);
    const off = 5 + Math.floor(rnd() * 6);
    for (let i = 0; i < off; i++) out.push(-75 + rnd() * 2);
  }
  return out.slice(0, seconds * 10);
}

function run(ch0: number[], ch1: number[]) {
  const m = createEchoBleedMonitor();
  const shown: boolean[] = [];
  for (let i = 0; i < ch1.length; i++) shown.push(m.push([ch0[i]!, ch1[i]!]));
  return { shown, last: m.last };
}

describe('createEchoBleedMonitor', () => {
  it('shows the hint once the far end has been heard in the local channel for a while', () => {
    const far = farEndLevels(60);
    // The far end 22 dB down, two readings (200 ms) late, over a −70 dBFS floor.
    const local = far.map((_, i) => Math.max(-70 + (i % 3) * 0.3, (far[i - 2] ?? -75) - 22));
    const { shown, last } = run(local, far);
    expect(shown.slice(0, 50).some(Boolean)).toBe(false);
    expect(shown.at(-1)).toBe(true);
    expect(last?.lagMs).toBeGreaterThanOrEqual(100);
    expect(last?.lagMs).toBeLessThanOrEqual(300);
  });

  it('stays quiet when the local channel does not follow the far end', () => {
    const far = farEndLevels(60);
    const own = farEndLevels(60, 99).map((v, i) => ((far[i] ?? -75) > -50 ? -70 : v));
    const { shown } = run(own, far);
    expect(shown.some(Boolean)).toBe(false);
  });
});

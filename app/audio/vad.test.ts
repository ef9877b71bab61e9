import { describe, expect, it } from 'vitest';
import { detectSpeech, isSilentChannel } from './vad';

const SR = 16000;
/** Deterministic pseudo-noise so the test is repeatable. */
function noise(n: number, amp: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = ((s / 0x7fffffff) * 2 - 1) * amp;
  }
  return out;
}
function withBursts(durationSec: number, bursts: [number, number, number][], floor = 0.0005): Float32Array {
  const pcm = noise(Math.round(durationSec * SR), floor);
  for (const [start, end, amp] of bursts) {
    for (let i = Math.round(start * SR); i < Math.round(end * SR); i++) pcm[i] = pcm[i]! + amp * Math.sin((2 * Math.PI * 220 * i) / SR) * (0.6 + 0.4 * Math.sin((2 * Math.PI * 3 * i) / SR));
  }
  return pcm;
}

describe('voice activity detection', () => {
  it('finds bursts at their known times within 0.1 s', () => {
    const regions = detectSpeech(withBursts(10, [[1, 2.5, 0.3], [5, 7, 0.2]]), SR, 0);
    expect(regions).toHaveLength(2);
    expect(regions[0]!.start).toBeCloseTo(1, 0);
    expect(Math.abs(regions[0]!.start - 1)).toBeLessThan(0.1);
    expect(Math.abs(regions[0]!.end - 2.5)).toBeLessThan(0.1 + 0.25);
    expect(Math.abs(regions[1]!.start - 5)).toBeLessThan(0.1);
    expect(regions.every((r) => r.channel === 0)).toBe(true);
  });

  it('finds nothing in a quiet noise floor or digital silence', () => {
    expect(detectSpeech(noise(5 * SR, 0.001), SR, 1)).toEqual([]);
    expect(detectSpeech(new Float32Array(5 * SR), SR, 1)).toEqual([]);
    expect(isSilentChannel([], 5)).toBe(true);
  });

  it('ignores far-end bleed 35 dB below the channel\'s own speech', () => {
    const regions = detectSpeech(withBursts(10, [[1, 3, 0.3], [5, 7, 0.3 * 10 ** (-35 / 20)]]), SR, 0);
    expect(regions).toHaveLength(1);
    expect(regions[0]!.end).toBeLessThan(4);
  });

  it('merges words separated by short gaps and drops clicks shorter than the minimum', () => {
    const merged = detectSpeech(withBursts(6, [[1, 1.4, 0.3], [1.55, 2, 0.3], [4, 4.03, 0.5]]), SR, 0);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.start).toBeLessThan(1.05);
    expect(merged[0]!.end).toBeGreaterThan(1.95);
  });

  it('calls a channel with real speech not silent', () => {
    const regions = detectSpeech(withBursts(4, [[0.5, 2, 0.3]]), SR, 1);
    expect(isSilentChannel(regions, 4)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { StreamingResampler } from './pcm-resampler';

const tone = (hz: number, rate: number, sec: number) => Float32Array.from({ length: Math.round(rate * sec) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate));
const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
/** Amplitude of `hz` in `x` (a single-bin DFT). */
function amplitudeAt(x: Float32Array, hz: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    im -= x[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

describe('streaming resampler to 16 kHz', () => {
  for (const inRate of [48000, 44100]) {
    it(`keeps a 1 kHz speech-band tone at ${inRate} Hz and drops a 12 kHz one that would alias`, () => {
      const r = new StreamingResampler(inRate, 16000);
      const out = r.process(tone(1000, inRate, 1));
      expect(out.length).toBeGreaterThan(15_800);
      expect(out.length).toBeLessThanOrEqual(16_000);
      const steady = out.subarray(1000, 15_000);
      expect(amplitudeAt(steady, 1000, 16000)).toBeCloseTo(0.5, 2);
      const high = new StreamingResampler(inRate, 16000).process(tone(12_000, inRate, 1)).subarray(1000, 15_000);
      // 12 kHz would fold to 4 kHz at 16 kHz; the low-pass leaves less than 1 % of it.
      expect(rms(high)).toBeLessThan(0.005);
    });
  }

  it('gives the same samples whatever the chunk sizes', () => {
    const input = tone(440, 48000, 0.5).map((v, i) => v + 0.1 * Math.sin(i * 0.37));
    const whole = new StreamingResampler(48000, 16000).process(input);
    const r = new StreamingResampler(48000, 16000);
    const parts: number[] = [];
    for (let i = 0, n = 1; i < input.length; i += n, n = (n * 7) % 601 || 128) parts.push(...r.process(input.slice(i, i + n)));
    expect(parts.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) expect(parts[i]).toBeCloseTo(whole[i]!, 6);
  });
});

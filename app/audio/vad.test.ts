import { describe, expect, it } from 'vitest';
import { detectSpeech, isSilentChannel } from './vad';

const SR = 16000;

function seededNoise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** `durationSec` of white noise at `noiseDbfs` RMS with tone bursts (amplitude `amp`) added. */
function signal(durationSec: number, bursts: Array<{ start: number; end: number; amp: number; hz?: number }>, noiseDbfs = -70): Float32Array {
  const pcm = new Float32Array(Math.round(durationSec * SR));
  const rand = seededNoise(7);
  // Uniform noise in [-0.5, 0.5) has RMS 1/sqrt(12).
  const noiseAmp = 10 ** (noiseDbfs / 20) * Math.sqrt(12);
  for (let i = 0; i < pcm.length; i++) pcm[i] = rand() * noiseAmp;
  for (const b of bursts) {
    for (let i = Math.round(b.start * SR); i < Math.round(b.end * SR); i++) {
      pcm[i] = pcm[i]! + b.amp * Math.sin((2 * Math.PI * (b.hz ?? 220) * i) / SR);
    }
  }
  return pcm;
}

function expectRegions(actual: Array<{ start: number; end: number }>, expected: Array<[number, number]>, tol = 0.1): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach(([s, e], i) => {
    expect(Math.abs(actual[i]!.start - s)).toBeLessThanOrEqual(tol);
    expect(Math.abs(actual[i]!.end - e)).toBeLessThanOrEqual(tol);
  });
}

describe('detectSpeech', () => {
  it('finds tone bursts at their known times within 0.1 s', () => {
    const pcm = signal(10, [
      { start: 1, end: 2.5, amp: 0.3 },
      { start: 4, end: 4.6, amp: 0.2 },
      { start: 7.2, end: 9, amp: 0.25 },
    ]);
    expectRegions(detectSpeech(pcm, SR, 0), [[1, 2.5], [4, 4.6], [7.2, 9]]);
  });

  it('labels regions with the channel it was given', () => {
    const regions = detectSpeech(signal(3, [{ start: 1, end: 2, amp: 0.3 }]), SR, 1);
    expect(regions.map((r) => r.channel)).toEqual([1]);
  });

  it('works over an audible noise floor', () => {
    const pcm = signal(8, [{ start: 2, end: 3, amp: 0.3 }, { start: 5, end: 6.5, amp: 0.3 }], -45);
    expectRegions(detectSpeech(pcm, SR, 0), [[2, 3], [5, 6.5]]);
  });

  it('ignores far-end bleed that is much quieter than the own voice', () => {
    const pcm = signal(10, [
      { start: 1, end: 3, amp: 0.3 },
      // the other party, leaking in 30 dB lower
      { start: 4, end: 6, amp: 0.3 * 10 ** (-30 / 20), hz: 330 },
      { start: 7, end: 8, amp: 0.3 },
    ]);
    expectRegions(detectSpeech(pcm, SR, 0), [[1, 3], [7, 8]]);
  });

  it('bridges short dips inside an utterance and merges close regions', () => {
    const pcm = signal(6, [{ start: 1, end: 2, amp: 0.3 }, { start: 2.15, end: 3, amp: 0.3 }]);
    expectRegions(detectSpeech(pcm, SR, 0), [[1, 3]]);
  });

  it('drops clicks shorter than the minimum speech duration', () => {
    const pcm = signal(4, [{ start: 1, end: 1.04, amp: 0.5 }, { start: 2, end: 3, amp: 0.3 }]);
    expectRegions(detectSpeech(pcm, SR, 0), [[2, 3]]);
  });

  it('finds nothing in pure low-level noise', () => {
    expect(detectSpeech(signal(5, [], -60), SR, 0)).toEqual([]);
  });

  it('finds nothing in digital silence and in an empty buffer', () => {
    expect(detectSpeech(new Float32Array(SR * 2), SR, 0)).toEqual([]);
    expect(detectSpeech(new Float32Array(0), SR, 0)).toEqual([]);
  });
});

describe('isSilentChannel', () => {
  it('is silent below half a second of speech in total and not silent above', () => {
    expect(isSilentChannel([], 60)).toBe(true);
    expect(isSilentChannel([{ channel: 0, start: 1, end: 1.2 }, { channel: 0, start: 5, end: 5.2 }], 60)).toBe(true);
    expect(isSilentChannel([{ channel: 0, start: 1, end: 1.3 }, { channel: 0, start: 5, end: 5.3 }], 60)).toBe(false);
  });

  it('counts only speech inside the recording', () => {
    expect(isSilentChannel([{ channel: 0, start: 9.8, end: 12 }], 10)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav16, wavDataExtent } from './wav';

describe('wav', () => {
  it('round-trips two channels through 16-bit PCM within one quantisation step', () => {
    const left = Float32Array.from({ length: 400 }, (_, i) => Math.sin(i / 7) * 0.8);
    const right = Float32Array.from({ length: 400 }, (_, i) => (i % 50) / 50 - 0.5);
    const decoded = decodeWav(encodeWav16({ sampleRate: 16000, channels: [left, right] }));
    expect(decoded.sampleRate).toBe(16000);
    expect(decoded.channels).toHaveLength(2);
    for (const [got, want] of [[decoded.channels[0]!, left], [decoded.channels[1]!, right]] as const) {
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1 / 16000);
    }
  });

  it('reports the data chunk that the header declares', () => {
    const wav = encodeWav16({ sampleRate: 8000, channels: [new Float32Array(100), new Float32Array(100)] });
    expect(wavDataExtent(wav)).toEqual({ dataOffset: 44, dataBytes: 400 });
    expect(wavDataExtent(wav.subarray(0, 20))).toBeNull();
    expect(wavDataExtent(new TextEncoder().encode('not a wav file at all'))).toBeNull();
  });

  it('refuses channels of different lengths', () => {
    expect(() => encodeWav16({ sampleRate: 8000, channels: [new Float32Array(2), new Float32Array(3)] })).toThrow(/differ/);
  });
});

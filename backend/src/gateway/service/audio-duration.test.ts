import { describe, expect, it } from 'vitest';
import { encodeWav16 } from '../../audio/wav';
import { wavDurationSec } from './audio-duration';

describe('WAV duration', () => {
  it('is data bytes over byte rate, for mono and stereo', () => {
    expect(wavDurationSec(encodeWav16({ sampleRate: 16_000, channels: [new Float32Array(40_000)] }))).toBe(2.5);
    expect(wavDurationSec(encodeWav16({ sampleRate: 48_000, channels: [new Float32Array(24_000), new Float32Array(24_000)] }))).toBe(0.5);
  });

  it('reads to the end of the file when a streaming writer left the size unset', () => {
    const wav = encodeWav16({ sampleRate: 8_000, channels: [new Float32Array(8_000)] });
    wav.writeUInt32LE(0xffffffff, 40);
    expect(wavDurationSec(wav)).toBe(1);
  });

  it('is null for anything that is not a WAV', () => {
    expect(wavDurationSec(new TextEncoder().encode('OggS and more bytes'))).toBeNull();
  });
});

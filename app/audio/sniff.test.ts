import { describe, expect, it } from 'vitest';
import { sniffAudioHeader } from './sniff';

const bytes = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('sniffAudioHeader', () => {
  it('recognises RIFF/WAVE, RF64 and BW64 as wav', () => {
    expect(sniffAudioHeader(bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '))).toBe('wav');
    expect(sniffAudioHeader(bytes('RF64', [0xff, 0xff, 0xff, 0xff], 'WAVEds64'))).toBe('wav');
    expect(sniffAudioHeader(bytes('BW64', [0xff, 0xff, 0xff, 0xff], 'WAVEds64'))).toBe('wav');
  });

  it('recognises the EBML magic of WebM, and Ogg and FLAC signatures', () => {
    expect(sniffAudioHeader(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]))).toBe('webm');
    expect(sniffAudioHeader(bytes('OggS', [0, 2, 0, 0]))).toBe('ogg');
    expect(sniffAudioHeader(bytes('fLaC', [0, 0, 0, 0x22]))).toBe('flac');
  });

  it('rejects other RIFF files, images, text and too few bytes', () => {
    expect(sniffAudioHeader(bytes('RIFF', [0x24, 0, 0, 0], 'AVI LIST'))).toBeNull();
    expect(sniffAudioHeader(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a]))).toBeNull();
    expect(sniffAudioHeader(bytes('ID3', [4, 0, 0, 0, 0, 0]))).toBeNull();
    expect(sniffAudioHeader(bytes('hello, this is text'))).toBeNull();
    expect(sniffAudioHeader(bytes('RIFF'))).toBeNull();
    expect(sniffAudioHeader(new Uint8Array(0))).toBeNull();
  });
});

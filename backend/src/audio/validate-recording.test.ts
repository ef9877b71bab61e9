import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../testing/audio-fixtures';
import { validateRecording } from './validate-recording';

const limits = { maxBytes: 50 * 1024 * 1024, maxDurationSec: 3600 };
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'validate-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validateRecording', () => {
  it('accepts stereo WAV as 16-bit, 24-bit, 32-bit and float PCM', async () => {
    for (const codec of ['pcm_s16le', 'pcm_s24le', 'pcm_s32le', 'pcm_f32le'] as const) {
      const wav = await fixtures.makeStereoSpeechWav(dir, { codec, name: `${codec}.wav` });
      const probe = await validateRecording(wav.path, limits);
      expect(probe).toMatchObject({ container: 'wav', codec, channels: 2 });
      expect(probe.durationSec).toBeCloseTo(wav.durationSec, 2);
    }
  });

  it('accepts stereo Opus in Ogg, in WebM, in streamed WebM without a duration, and FLAC', async () => {
    const files = [
      await fixtures.makeStereoOpusOgg(dir),
      await fixtures.makeStereoOpusWebm(dir),
      await fixtures.makeStereoOpusWebm(dir, { streamed: true }),
      await fixtures.makeStereoFlac(dir),
    ];
    for (const file of files) {
      const probe = await validateRecording(file.path, limits);
      expect(probe.channels).toBe(2);
      expect(Math.abs(probe.durationSec - file.durationSec)).toBeLessThan(0.05);
    }
  });

  it('accepts a recording whose second channel is silent: empty channels are judged after decoding', async () => {
    const file = await fixtures.makeOneSilentChannelWav(dir);
    await expect(validateRecording(file.path, limits)).resolves.toMatchObject({ channels: 2 });
  });

  it('rejects a mono recording with recording.mono', async () => {
    const mono = await fixtures.makeMonoWav(dir);
    await expect(validateRecording(mono.path, limits)).rejects.toMatchObject({ code: 'recording.mono' });
  });

  it('rejects more than two channels as an unsupported format, saying why', async () => {
    const four = await fixtures.makeFourChannelWav(dir);
    await expect(validateRecording(four.path, limits)).rejects.toMatchObject({ code: 'recording.unsupported_format', message: expect.stringMatching(/4 channels/) });
  });

  it('rejects an image or text named like a recording as an unsupported format', async () => {
    const png = await fixtures.makeNotAudio(dir, { kind: 'png' });
    await expect(validateRecording(png.path, limits)).rejects.toMatchObject({ code: 'recording.unsupported_format' });
    const text = await fixtures.makeNotAudio(dir, { kind: 'text', name: 'note.webm' });
    await expect(validateRecording(text.path, limits)).rejects.toMatchObject({ code: 'recording.unsupported_format' });
  });

  it('rejects a file over the byte limit with recording.too_large before reading it', async () => {
    const wav = await fixtures.makeStereoSpeechWav(dir, { name: 'big.wav' });
    const bytes = (await stat(wav.path)).size;
    await expect(validateRecording(wav.path, { ...limits, maxBytes: bytes - 1 })).rejects.toMatchObject({ code: 'recording.too_large', status: 413 });
    await expect(validateRecording(wav.path, { ...limits, maxBytes: bytes })).resolves.toMatchObject({ bytes });
  });

  it('rejects a recording over the duration limit with recording.too_long, in WAV and in Ogg', async () => {
    const wav = await fixtures.makeLongSilentStereo(dir, 12);
    await expect(validateRecording(wav.path, { ...limits, maxDurationSec: 10 })).rejects.toMatchObject({ code: 'recording.too_long' });
    await expect(validateRecording(wav.path, { ...limits, maxDurationSec: 13 })).resolves.toMatchObject({ durationSec: 12 });
    const ogg = await fixtures.makeLongSilentStereo(dir, 12, { format: 'ogg' });
    await expect(validateRecording(ogg.path, { ...limits, maxDurationSec: 10 })).rejects.toMatchObject({ code: 'recording.too_long' });
  });

  it('rejects a truncated WAV and a truncated WebM with recording.corrupt', async () => {
    const wav = await fixtures.makeTruncatedWav(dir);
    await expect(validateRecording(wav.path, limits)).rejects.toMatchObject({ code: 'recording.corrupt', message: expect.stringMatching(/truncated/) });
    const webm = await fixtures.makeTruncatedWebm(dir);
    await expect(validateRecording(webm.path, limits)).rejects.toMatchObject({ code: 'recording.corrupt' });
  });

  it('rejects Ogg files with failing page checksums or no audio with recording.corrupt', async () => {
    const garbled = await fixtures.makeCorruptOgg(dir, { kind: 'garbled' });
    await expect(validateRecording(garbled.path, limits)).rejects.toMatchObject({ code: 'recording.corrupt' });
    const headersOnly = await fixtures.makeCorruptOgg(dir, { kind: 'headers-only' });
    await expect(validateRecording(headersOnly.path, limits)).rejects.toMatchObject({ code: 'recording.corrupt' });
  });
});

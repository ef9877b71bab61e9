import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNotAudio, makeStereoOpusOgg, makeStereoOpusWebm, makeStereoSpeechWav, makeCorruptOgg } from '../testing/audio-fixtures';
import { probeRecording, scanPackets } from './probe';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'probe-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probeRecording', () => {
  it('describes a stereo 16-bit WAV: container, codec, channels, rate, duration and size', async () => {
    const wav = await makeStereoSpeechWav(dir, { sampleRate: 24000 });
    const probe = await probeRecording(wav.path);
    expect(probe).toMatchObject({ container: 'wav', codec: 'pcm_s16le', channels: 2, sampleRate: 24000, bytes: (await stat(wav.path)).size });
    expect(probe.durationSec).toBeCloseTo(wav.durationSec, 2);
  });

  it('describes stereo Opus in Ogg and in WebM', async () => {
    const ogg = await makeStereoOpusOgg(dir);
    expect(await probeRecording(ogg.path)).toMatchObject({ container: 'ogg', codec: 'opus', channels: 2, sampleRate: 48000 });
    const webm = await makeStereoOpusWebm(dir);
    const probe = await probeRecording(webm.path);
    expect(probe).toMatchObject({ container: 'webm', codec: 'opus', channels: 2 });
    expect(Math.abs(probe.durationSec - webm.durationSec)).toBeLessThan(0.05);
  });

  it('finds the duration of a streamed WebM whose header has none, as MediaRecorder writes it', async () => {
    const webm = await makeStereoOpusWebm(dir, { streamed: true });
    const probe = await probeRecording(webm.path);
    expect(probe.container).toBe('webm');
    expect(Math.abs(probe.durationSec - webm.durationSec)).toBeLessThan(0.05);
  });

  it('calls an image or a text file unsupported, and a damaged Ogg corrupt', async () => {
    const png = await makeNotAudio(dir, { kind: 'png', name: 'image.wav' });
    await expect(probeRecording(png.path)).rejects.toMatchObject({ code: 'recording.unsupported_format' });
    const text = await makeNotAudio(dir, { kind: 'text', name: 'note.ogg' });
    await expect(probeRecording(text.path)).rejects.toMatchObject({ code: 'recording.unsupported_format' });
    const headersOnly = await makeCorruptOgg(dir, { kind: 'headers-only' });
    await expect(probeRecording(headersOnly.path)).rejects.toMatchObject({ code: 'recording.corrupt' });
  });

  it('says the recording is missing when there is no file', async () => {
    await expect(probeRecording(path.join(dir, 'nothing-here.wav'))).rejects.toMatchObject({ code: 'recording.missing' });
  });
});

describe('scanPackets', () => {
  it('measures the audio present and reports demuxer complaints of a damaged file', async () => {
    const wav = await makeStereoSpeechWav(dir, { name: 'scan.wav' });
    const clean = await scanPackets(wav.path);
    expect(clean.errors).toBe('');
    expect(clean.packets).toBeGreaterThan(0);
    expect(clean.durationSec).toBeCloseTo(wav.durationSec, 2);
    const garbled = await makeCorruptOgg(dir, { kind: 'garbled' });
    expect((await scanPackets(garbled.path)).errors).toMatch(/CRC|invalid|corrupt/i);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../testing/audio-fixtures';
import { loudestOutside, rmsDbfs } from '../testing/signal-level';
import { decodeChannels } from './decode';
import { probeRecording } from './probe';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'decode-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Speech must be loud where the fixture put it and the channel near silent elsewhere. */
function expectSpeechWhereExpected(decoded: Awaited<ReturnType<typeof decodeChannels>>, file: fixtures.StereoFixture) {
  for (const c of [0, 1] as const) {
    for (const span of file.speech[c]) expect(rmsDbfs(decoded.channels[c], 16000, span)).toBeGreaterThan(-35);
    expect(loudestOutside(decoded.channels[c], 16000, file.speech[c]).dbfs).toBeLessThan(-60);
  }
}

describe('decodeChannels', () => {
  it('splits a 24 kHz stereo WAV into two 16 kHz channels with each speaker on their own channel', async () => {
    const wav = await fixtures.makeStereoSpeechWav(dir, { sampleRate: 24000 });
    const decoded = await decodeChannels(wav.path);
    expect(decoded.sampleRate).toBe(16000);
    expect(decoded.channels[0].length).toBe(decoded.channels[1].length);
    expect(Math.abs(decoded.durationSec - wav.durationSec)).toBeLessThan(0.05);
    expect(decoded.channels[0].length).toBe(Math.round(decoded.durationSec * 16000));
    expectSpeechWhereExpected(decoded, wav);
  });

  it('keeps the channels apart in Opus recordings in Ogg and in streamed WebM', async () => {
    for (const file of [await fixtures.makeStereoOpusOgg(dir), await fixtures.makeStereoOpusWebm(dir, { streamed: true })]) {
      const decoded = await decodeChannels(file.path);
      expect(Math.abs(decoded.durationSec - file.durationSec)).toBeLessThan(0.05);
      for (const c of [0, 1] as const) {
        for (const span of file.speech[c]) expect(rmsDbfs(decoded.channels[c], 16000, span)).toBeGreaterThan(-35);
        // Lossy stereo coding leaks a little of the other speaker; it stays far below speech.
        expect(loudestOutside(decoded.channels[c], 16000, file.speech[c], 0.02, 0.1).dbfs).toBeLessThan(-40);
      }
    }
  });

  it('leaves a silent channel silent', async () => {
    const file = await fixtures.makeOneSilentChannelWav(dir);
    const decoded = await decodeChannels(file.path);
    expect(rmsDbfs(decoded.channels[0], 16000, file.speech[0][0])).toBeGreaterThan(-35);
    expect(rmsDbfs(decoded.channels[1], 16000)).toBeLessThan(-90);
  });

  it('decodes a long recording into arrays of exactly its length', async () => {
    const file = await fixtures.makeLongSilentStereo(dir, 95);
    const decoded = await decodeChannels(file.path);
    expect(decoded.channels[0].length).toBe(95 * 16000);
    expect(decoded.channels[1].length).toBe(95 * 16000);
  });

  it('rejects a mono file with recording.mono', async () => {
    const mono = await fixtures.makeMonoWav(dir);
    await expect(decodeChannels(mono.path)).rejects.toMatchObject({ code: 'recording.mono' });
  });

  it('fails with recording.corrupt when ffmpeg cannot decode the audio', async () => {
    const headersOnly = await fixtures.makeCorruptOgg(dir, { kind: 'headers-only' });
    await expect(decodeChannels(headersOnly.path)).rejects.toMatchObject({ code: 'recording.corrupt' });
    // Given a probe from before the damage, ffmpeg itself must fail on the file.
    const whole = await fixtures.makeStereoOpusOgg(dir, { name: 'undamaged.ogg' });
    await expect(decodeChannels(headersOnly.path, { probe: await probeRecording(whole.path) })).rejects.toMatchObject({ code: 'recording.corrupt' });
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSpeech } from '../../../app/audio/vad';
import type { Segment } from '../../../app/transcript/transcript';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';
import { findChannelSpeech } from '../audio/channel-speech';
import { defaultDataDir, resourcesDir } from '../paths';
import type { GroundTruthLine } from '../testing/ground-truth-transcript';
import { turnTiming } from '../testing/turn-timing';
import { place, speak } from './speech-fixtures';
import type { SttEngine } from './stt-engine';
import { createWhisperEngine } from './whisper-engine';

const SR = 16000;

/**
 * Word timing and turn order on real speech through real whisper.cpp: every word's time falls
 * inside its own ground-truth turn (± 0.3 s), no segment has zero length, and the transcript read in
 * time order never splits a turn across the other speaker. Before each speech region got its own
 * window, the sample session had 11 words in the wrong turn and 10 turns split this way.
 */
describe('word timing and turn order (real whisper.cpp, tiny.en)', () => {
  let engine: SttEngine;

  beforeAll(async () => {
    const { modelPath } = await setupWhisperModel({ dataDir: defaultDataDir });
    engine = await createWhisperEngine({ modelPath, threads: 2 });
  }, 600_000);

  afterAll(async () => {
    await engine?.close();
  });

  const transcribe = async (channels: [Float32Array, Float32Array], regions = channels.map((pcm, ch) => detectSpeech(pcm, SR, ch as 0 | 1))): Promise<Segment[]> => {
    const out: Segment[] = [];
    for (const channel of [0, 1] as const) out.push(...(await engine.transcribeChannel({ pcm: channels[channel], sampleRate: SR, channel, regions: regions[channel]! })));
    return out;
  };

  const expectTurnsKept = (lines: readonly GroundTruthLine[], segments: Segment[]) => {
    const report = turnTiming(lines, segments, 0.3);
    expect(report.words).toBeGreaterThan(lines.length);
    expect(report.misplacedWords).toEqual([]);
    expect(report.zeroLengthSegments).toEqual([]);
    expect(report.zeroLengthWords).toBe(0);
    expect(report.splitTurns).toEqual([]);
  };

  it('keeps every word of a synthesised quick exchange inside its own turn', async () => {
    // Short turns, half a second apart: the case where one window used to hold several of them.
    const script: Array<[0 | 1, string]> = [
      [0, 'Good morning. How have you been since the last visit?'],
      [1, 'Busy, to be honest.'],
      [0, 'Are you still taking the tablets every morning?'],
      [1, 'Yes, every morning.'],
      [0, "That's good to hear. What do you make of your reading today?"],
      [1, 'I figured it might be high.'],
      [0, 'Right. What got in the way?'],
      [1, 'Mostly the weather and being tired after work.'],
    ];
    const voices = { 0: 'en-us', 1: 'en-gb' } as const;
    let t = 0.8;
    const lines: GroundTruthLine[] = [];
    const clips: Array<Array<{ at: number; pcm: Float32Array }>> = [[], []];
    for (const [channel, text] of script) {
      const pcm = speak(text, voices[channel]);
      clips[channel]!.push({ at: t, pcm });
      lines.push({ channel, text, start: t, end: t + pcm.length / SR });
      t += pcm.length / SR + 0.5;
    }
    const duration = t + 1;
    expectTurnsKept(lines, await transcribe([place(duration, clips[0]!), place(duration, clips[1]!)]));
  }, 600_000);

  it('keeps every word of the sample session inside its ground-truth turn', async () => {
    const gt = JSON.parse(readFileSync(path.join(resourcesDir, 'sample-session', 'ground-truth.json'), 'utf8')) as { lines: GroundTruthLine[] };
    const speech = await findChannelSpeech(path.join(resourcesDir, 'sample-session', 'sample-session.ogg'));
    expectTurnsKept(gt.lines, await transcribe(speech.audio.channels, speech.regions));
  }, 900_000);
});

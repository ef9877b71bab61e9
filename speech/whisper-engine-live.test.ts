import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSpeech } from '../app/audio/vad';
import { computeWer } from '../app/transcript/wer';
import { setupWhisperModel } from '../scripts/setup/whisper-model';
import { defaultDataDir } from '../backend/src/paths';
import { place, speak } from './speech-fixtures';
import { createWhisperEngine, defaultLiveBounds, repetitionLoopEnd, type WhisperEngine } from './whisper-engine';

const SR = 16000;
const split = (s: string) => s.split(' ');

describe('repetitionLoopEnd', () => {
  it('keeps the first copy of a phrase the decoder repeated up to its token cap', () => {
    expect(repetitionLoopEnd(split('morning doctor. morning doctor. morning doctor. morning doctor. morning'))).toBe(2);
    expect(repetitionLoopEnd(split('Yeah, I figured it my. I figured it my. I figured it my. I'))).toBe(5);
    expect(repetitionLoopEnd(split('You got started and you got started and you got started and you got'))).toBe(4);
  });

  it('leaves ordinary speech alone, including a word said a few times and a phrase said twice', () => {
    expect(repetitionLoopEnd(split('no, no, no, I did not say that'))).toBeNull();
    expect(repetitionLoopEnd(split('I know, I know. It is hard.'))).toBeNull();
    expect(repetitionLoopEnd(split('Good morning, Daniel. Thanks for coming back in.'))).toBeNull();
    expect(repetitionLoopEnd([])).toBeNull();
  });

  it('does not cut repeats that are followed by new words', () => {
    expect(repetitionLoopEnd(split('walk walk walk walk walk every day after lunch'))).toBeNull();
    expect(repetitionLoopEnd(split('one more time, one more time, one more time, and then we stop'))).toBeNull();
  });
});

describe('whisper engine with live bounds (real whisper.cpp, tiny.en)', () => {
  let engine: WhisperEngine;

  beforeAll(async () => {
    const { modelPath } = await setupWhisperModel({ dataDir: defaultDataDir });
    engine = await createWhisperEngine({ modelPath, threads: 1, live: defaultLiveBounds });
  }, 600_000);

  afterAll(async () => {
    await engine?.close();
  });

  it('transcribes whole utterances as well as the unbounded engine, through the engine and a view of it', async () => {
    const lines = ['What do you usually do when that happens?', 'I get up and walk around the house for a while.'];
    const pcm = place(9, [
      { at: 0.5, pcm: speak(lines[0]!) },
      { at: 4.5, pcm: speak(lines[1]!) },
    ]);
    const regions = detectSpeech(pcm, SR, 0);
    const view = engine.withLiveBounds({ ...defaultLiveBounds, loopRetryMarginSec: 0 });
    for (const e of [engine, view]) {
      const segments = await e.transcribeChannel({ pcm, sampleRate: SR, channel: 0, regions });
      // 0 % measured; tiny.en mishears an espeak-ng word now and then.
      expect(computeWer(lines.join(' '), segments.map((s) => s.text).join(' ')).wer).toBeLessThan(0.15);
    }
    // A view shares the engine's worker: closing it must not stop the engine.
    await view.close();
    const again = await engine.transcribeChannel({ pcm, sampleRate: SR, channel: 0, regions });
    expect(again.length).toBeGreaterThan(0);
  }, 300_000);

  it('stops each decoding pass at the token cap', async () => {
    const line = 'Morning Doctor. Pretty busy to be honest, work has been a lot.';
    const pcm = speak(line);
    const input = { pcm, sampleRate: 16000 as const, channel: 0 as const, regions: [{ channel: 0 as const, start: 0, end: pcm.length / SR }] };
    const whole = (await engine.transcribeChannel(input)).flatMap((s) => s.words);
    const capped = (await engine.withLiveBounds({ tokensPerSec: 0, tokensBase: 6, loopRetryMarginSec: 0 }).transcribeChannel(input)).flatMap((s) => s.words);
    expect(computeWer(line, whole.map((w) => w.text).join(' ')).wer).toBeLessThan(0.15);
    expect(capped.length).toBeGreaterThan(0);
    expect(capped.length).toBeLessThan(whole.length);
  }, 300_000);

  it('never returns a looping phrase for the open end of speech cut mid-word (what partial captions send)', async () => {
    const clip = speak('Morning Doctor. Pretty busy to be honest, work has been a lot.');
    for (const sec of [1.3, 1.45, 1.6, 2.0]) {
      const pcm = clip.slice(0, Math.round(sec * SR));
      const segments = await engine.transcribeChannel({ pcm, sampleRate: SR, channel: 1, regions: [{ channel: 1, start: 0, end: sec }] });
      const words = segments.flatMap((s) => s.words.map((w) => w.text));
      expect(repetitionLoopEnd(words), words.join(' ')).toBeNull();
      // ~3 words a second: a cut window cannot hold more than a handful.
      expect(words.length, words.join(' ')).toBeLessThanOrEqual(Math.ceil(sec * 4) + 2);
    }
  }, 300_000);
});

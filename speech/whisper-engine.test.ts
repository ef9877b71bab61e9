import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../app/contracts/errors';
import { detectSpeech } from '../app/audio/vad';
import { computeWer } from '../app/transcript/wer';
import type { Segment } from '../app/transcript/transcript';
import { setupWhisperModel } from '../scripts/setup/whisper-model';
import { defaultDataDir } from '../backend/src/paths';
import { decodeToMono16k, place, speak } from './speech-fixtures';
import type { SttEngine } from './stt-engine';
import { createWhisperEngine } from './whisper-engine';

const SR = 16000;
const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';

const textOf = (segments: Segment[]): string => segments.map((s) => s.text).join(' ');

describe('whisper engine (real whisper.cpp, tiny.en)', () => {
  let engine: SttEngine;

  beforeAll(async () => {
    const { modelPath } = await setupWhisperModel({ dataDir: defaultDataDir });
    engine = await createWhisperEngine({ modelPath, threads: 2 });
  }, 600_000);

  afterAll(async () => {
    await engine?.close();
  });

  it('transcribes synthetic speech with the right words and only inside the speech regions', async () => {
    const lines = [
      'Please tell me how you have been feeling since our last appointment.',
      'I have been sleeping badly and I feel tired most mornings.',
      'What do you think is keeping you awake at night?',
    ];
    const clips = lines.map((l) => speak(l));
    const at = [1.5, 14, 21];
    const pcm = place(30, clips.map((c, i) => ({ at: at[i]!, pcm: c })));
    const truth = clips.map((c, i) => [at[i]!, at[i]! + c.length / SR] as const);
    const regions = detectSpeech(pcm, SR, 1);

    const fractions: number[] = [];
    const segments = await engine.transcribeChannel({ pcm, sampleRate: SR, channel: 1, regions }, (f) => fractions.push(f));

    const wer = computeWer(lines.join(' '), textOf(segments));
    console.log(`espeak-ng WER ${(wer.wer * 100).toFixed(1)} % (N ${wer.refWords}): ${textOf(segments)}`);
    // 0 % measured on these lines; tiny.en does mishear some robotic espeak-ng words (it heard
    // "quick brown fox" as "quick roundfark" in a trial), so 15 % leaves room for that while
    // still failing on a broken model, window mapping or vocabulary.
    expect(wer.wer).toBeLessThan(0.15);
    expect(segments.every((s) => s.channel === 1)).toBe(true);
    for (const w of segments.flatMap((s) => s.words)) {
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      // within an utterance, allowing for the VAD and window padding
      expect(truth.some(([a, b]) => w.start >= a - 0.3 && w.end <= b + 0.3)).toBe(true);
    }
    expect(fractions[fractions.length - 1]).toBe(1);
  }, 300_000);

  it('produces no segments for a long stretch of near-silence', async () => {
    const pcm = new Float32Array(SR * 60);
    let s = 1;
    for (let i = 0; i < pcm.length; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      pcm[i] = (s / 0x7fffffff - 0.5) * 0.001;
    }
    const regions = detectSpeech(pcm, SR, 0);
    expect(regions).toEqual([]);
    expect(await engine.transcribeChannel({ pcm, sampleRate: SR, channel: 0, regions })).toEqual([]);
  }, 300_000);

  it('drops Whisper non-speech annotations when a region holds no speech', async () => {
    // Regions claiming speech over pure silence make Whisper emit [BLANK_AUDIO] or similar.
    const pcm = new Float32Array(SR * 12);
    const segments = await engine.transcribeChannel({ pcm, sampleRate: SR, channel: 0, regions: [{ channel: 0, start: 2, end: 8 }] });
    expect(textOf(segments)).not.toMatch(/[[\]()]/);
  }, 300_000);

  it('transcribes real read speech (LibriVox) within the measured word error rate', async () => {
    const refs = readFileSync(path.join(LIBRIVOX, 'transcription'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const m = /^<s> (.*) <\/s> \((.*)\)$/.exec(line.trim());
        return { text: m![1]!, file: path.join(LIBRIVOX, `${m![2]!}.wav`) };
      });
    // One channel: the five recordings one after another, 2 s of silence between them.
    const clips = refs.map((r) => decodeToMono16k(r.file));
    let t = 1;
    const placed = clips.map((pcm) => {
      const clip = { at: t, pcm };
      t += pcm.length / SR + 2;
      return clip;
    });
    const pcm = place(t, placed);
    const segments = await engine.transcribeChannel({ pcm, sampleRate: SR, channel: 0, regions: detectSpeech(pcm, SR, 0) });
    const wer = computeWer(refs.map((r) => r.text).join(' '), textOf(segments));
    console.log(`LibriVox WER ${(wer.wer * 100).toFixed(1)} % (S ${wer.substitutions}, D ${wer.deletions}, I ${wer.insertions}, N ${wer.refWords})`);
    // Measured 4.2 % here (pocketsphinx: 36.6 %); 20 % fails on real regressions only.
    expect(wer.wer).toBeLessThan(0.2);
  }, 300_000);
});

describe('createWhisperEngine', () => {
  it('fails with stt.model_missing, naming the path and the fix, when the model file is absent', async () => {
    const missing = path.join(defaultDataDir, 'models', 'no-such-model.bin');
    const err = await createWhisperEngine({ modelPath: missing }).catch((e: unknown) => e);
    expect(isAppError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('stt.model_missing');
    expect((err as Error).message).toContain(missing);
    expect((err as Error).message).toContain('npm run setup');
  });
});

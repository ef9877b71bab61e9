import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftCaption } from '../../../app/contracts/ipc/drafts';
import { computeWer, normaliseWords } from '../../../app/transcript/wer';
import { defaultDataDir } from '../../../backend/src/paths';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';
import { createAesGcmCipher } from '../../services/secret-store';
import { chunksOf, makeTestConversation } from '../../services/draft-transcriber-test-conversation';
import { createDesktopFeatures, type DesktopFeatures } from '../desktop-features';
import { float32ToLittleEndian } from './pcm-chunk';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-drafts-captions-'));
let features: DesktopFeatures;
const captions: DraftCaption[] = [];
const waiters: (() => void)[] = [];

beforeAll(async () => {
  const { modelPath } = await setupWhisperModel({ dataDir: defaultDataDir });
  features = createDesktopFeatures({ dataDir: dir, secretCipher: createAesGcmCipher(randomBytes(32)), draftTranscriber: { modelPath, threads: 1 } });
  await features.handlers['settings:update']({ autoUpload: false });
  features.events.subscribe((event, payload) => {
    if (event !== 'drafts:caption') return;
    captions.push(payload as DraftCaption);
    waiters.splice(0).forEach((w) => w());
  });
}, 600_000);
afterAll(async () => {
  await features?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise<void>((r) => waiters.push(r));
}

const words = (text: string) => normaliseWords(text).join(' ');

describe('live captions from the draft handlers (espeak-ng speech in 0.5 s chunks, real whisper.cpp)', () => {
  it('captions an ongoing line partially, then each finished line in full under its own channel', async () => {
    const conversation = makeTestConversation();
    const sessionId = randomUUID();
    const [first] = conversation.lines;
    let partialSeen = false;
    for (const chunk of chunksOf(conversation)) {
      const p = await features.handlers['drafts:feed']({ sessionId, channel: chunk.channel, pcm: float32ToLittleEndian(chunk.pcm) });
      expect(p.receivedSec[chunk.channel]).toBeCloseTo(chunk.endSec, 2);
      if (!partialSeen && chunk.channel === 1 && chunk.endSec >= first!.start + 2.5) {
        // The owner is still mid-sentence: the audio stops here until a partial caption shows.
        await until(() => captions.some((c) => c.sessionId === sessionId && !c.final));
        partialSeen = true;
      }
    }
    const partial = captions.find((c) => c.sessionId === sessionId && !c.final)!;
    expect(partial.channel).toBe(0);
    expect(partial.start).toBeLessThan(first!.start + 0.3);
    expect(partial.end).toBeLessThan(first!.end);
    expect(words(partial.text)).toMatch(/^good morning/);

    await features.handlers['drafts:finish']({ sessionId });
    const finals = captions.filter((c) => c.sessionId === sessionId && c.final);
    for (const channel of [0, 1] as const) {
      const truth = conversation.lines.filter((l) => l.channel === channel).map((l) => l.text).join(' ');
      const heard = finals.filter((c) => c.channel === channel).map((c) => c.text).join(' ');
      expect(computeWer(truth, heard).wer).toBeLessThan(0.2);
    }
    // Each line's final caption lies within that line's time, on that line's channel.
    for (const line of conversation.lines) {
      const own = finals.filter((c) => c.start < line.end && c.end > line.start);
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((c) => c.channel === line.channel)).toBe(true);
    }
  }, 300_000);

  it('says why there are no captions when the Whisper model is missing, without failing the stored drafts', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'fe-drafts-nomodel-'));
    const f = createDesktopFeatures({ dataDir: d, secretCipher: createAesGcmCipher(randomBytes(32)), draftTranscriber: { modelPath: path.join(d, 'models', 'ggml-tiny.en.bin') } });
    try {
      const sessionId = randomUUID();
      await expect(f.handlers['drafts:start']({ sessionId })).rejects.toMatchObject({ code: 'stt.model_missing', message: expect.stringContaining('npm run setup') });
      await expect(f.handlers['drafts:feed']({ sessionId, channel: 0, pcm: float32ToLittleEndian(new Float32Array(8000)) })).rejects.toMatchObject({ code: 'stt.model_missing' });
      expect(await f.handlers['drafts:get']({ sessionId })).toMatchObject({ segments: [], complete: false });
    } finally {
      await f.stop();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupLlmModel } from '../../../../scripts/setup/llm-model';
import { setupWhisperModel } from '../../../../scripts/setup/whisper-model';
import { encodeWav16 } from '../../audio/wav';
import { defaultDataDir } from '../../paths';
import { startLocalLlmServer, type LocalLlmServer } from '../../llm/local-llm-server';
import { createWhisperEngine } from '../../../../speech/whisper-engine';
import { synthesizeSpeech } from '../../testing/synthesized-speech';
import { UpstreamError } from '../gateway-contracts';
import { createLocalProvider } from './local-provider';
import { createProvider } from './provider-factory';
import { LOCAL_CHAT_MODEL, LOCAL_STT_MODEL, defaultProvidersConfig } from './provider-config';
import { createProviderRouter, type GatewayProviderRouter } from './provider-router';

// The real default chat model (Qwen2.5-Coder 1.5B) and Whisper tiny.en on 2 shared cores: few calls, tiny outputs.
const KEY = 'only-the-gateway-knows';
let llm: LocalLlmServer;
let router: GatewayProviderRouter;

beforeAll(async () => {
  const [{ modelPath }, whisper] = await Promise.all([setupLlmModel({ dataDir: defaultDataDir }), setupWhisperModel({ dataDir: defaultDataDir })]);
  llm = await startLocalLlmServer({ modelPath, modelId: LOCAL_CHAT_MODEL, contextSize: 512, threads: 1, apiKey: KEY });
  router = createProviderRouter({
    config: defaultProvidersConfig(),
    providers: (cfg) => createProvider(cfg, { local: { chatBaseUrl: llm.baseURL, apiKey: KEY, sttEngine: () => createWhisperEngine({ modelPath: whisper.modelPath, threads: 2 }) } }),
  });
}, 600_000);

afterAll(async () => {
  await router?.close();
  await llm?.close();
});

describe('local provider (embedded chat model and Whisper)', () => {
  it('answers a chat through the default route with the gateway’s key', async () => {
    const route = router.route(LOCAL_CHAT_MODEL)!;
    const r = await router.run(route.targets, (p, model, signal) => p.chat({ model, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 3, temperature: 0 }, signal));
    expect(r.providerId).toBe('local');
    expect(r.value.body).toMatchObject({ object: 'chat.completion', model: LOCAL_CHAT_MODEL });
    expect(r.value.usage.promptTokens).toBeGreaterThan(2);
    expect(r.value.usage.completionTokens).toBeGreaterThan(0);
    expect(r.value.usage.completionTokens).toBeLessThanOrEqual(3);
  }, 120_000);

  it('fails with 401 for a caller that bypasses the gateway (no key)', async () => {
    const bypass = createLocalProvider({ id: 'local', region: 'local', chatBaseUrl: llm.baseURL });
    const err = await bypass.chat({ model: 'x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }, AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).opts).toMatchObject({ status: 401, retryable: false });
  });

  it('transcribes an uploaded 16 kHz WAV with word timestamps and its duration', async () => {
    const clip = await synthesizeSpeech('Please tell me how you have been sleeping this week.', { voice: 'en-us', sampleRate: 16000 });
    const lead = 8000; // 0.5 s of silence before and after the speech
    const pcm = new Float32Array(clip.samples.length + 2 * lead);
    pcm.set(clip.samples, lead);
    const wav = encodeWav16({ sampleRate: 16000, channels: [pcm] });
    const route = router.route(LOCAL_STT_MODEL)!;
    const r = await router.run(route.targets, (p, model, signal) => p.transcribe({ audio: wav, filename: 'w.wav', mimeType: 'audio/wav', model, wordTimestamps: true }, signal));
    const { body, audioSec } = r.value;
    expect(audioSec).toBeCloseTo(pcm.length / 16000, 3);
    expect(body.duration).toBe(audioSec);
    const spoken = body.words!.map((w) => w.word.toLowerCase().replace(/[^a-z']/g, ''));
    for (const w of ['tell', 'me', 'how', 'you', 'sleeping', 'week']) expect(spoken).toContain(w);
    expect(body.text.toLowerCase()).toContain('sleeping');
    for (const w of body.words!) {
      expect(w.start).toBeGreaterThanOrEqual(0.3);
      expect(w.end).toBeLessThanOrEqual(audioSec);
      expect(w.end).toBeGreaterThanOrEqual(w.start);
    }
  }, 300_000);
});

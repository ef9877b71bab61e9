import { isAppError } from '../../../../app/contracts/errors';
import type { ChatAnswer, ChatBody, ChatChunk, Provider, TranscriptionAnswer, TranscriptionRequest } from '../gateway-contracts';
import { UpstreamError } from '../gateway-contracts';
import type { SttEngine } from '../../../../speech/stt-engine';
import { createOpenAiWireProvider } from './openai-provider';
import { uploadToMono16k } from './upload-audio';

export interface LocalProviderOptions {
  id: string;
  region: string;
  /** The embedded LLM server (backend/src/llm/local-llm-server.ts), e.g. http://127.0.0.1:41234/v1. */
  chatBaseUrl: string;
  /** The key that server was started with; only the gateway holds it. */
  apiKey?: string;
  /** Makes the local speech-to-text engine; called once, on the first transcription. */
  sttEngine?: () => Promise<SttEngine>;
}

/**
 * The offline default: chat over HTTP to the embedded node-llama-cpp server, speech-to-text
 * in-process with the local Whisper engine. The whole upload is one speech region: voice
 * activity gating is the caller's job (it sends only speech windows).
 */
export function createLocalProvider(opts: LocalProviderOptions): Provider {
  const base = opts.chatBaseUrl.replace(/\/+$/, '');
  const chat = createOpenAiWireProvider(
    { id: opts.id, kind: 'local', region: opts.region },
    { chatUrl: () => `${base}/chat/completions`, transcriptionUrl: () => `${base}/audio/transcriptions`, headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {} },
  );
  let engine: Promise<SttEngine> | undefined;
  // whisper.cpp runs one window at a time; queue uploads so two calls never share the thread.
  let queue: Promise<unknown> = Promise.resolve();

  async function transcribe(req: TranscriptionRequest, signal: AbortSignal): Promise<TranscriptionAnswer> {
    if (!opts.sttEngine) throw new UpstreamError(`${opts.id}: no local speech-to-text engine configured`, { status: null, retryable: false, providerId: opts.id });
    let pcm: Float32Array;
    try {
      pcm = await uploadToMono16k(req.audio, signal);
    } catch (e) {
      throw new UpstreamError(`${opts.id}: ${e instanceof Error ? e.message : String(e)}`, { status: 400, retryable: false, providerId: opts.id });
    }
    const duration = pcm.length / 16000;
    engine ??= opts.sttEngine().catch((e: unknown) => {
      engine = undefined;
      throw e;
    });
    const run = queue.then(async () => {
      signal.throwIfAborted();
      const stt = await engine!;
      return stt.transcribeChannel({ pcm, sampleRate: 16000, channel: 0, regions: duration > 0 ? [{ channel: 0, start: 0, end: duration }] : [] });
    });
    queue = run.catch(() => undefined);
    let segments;
    try {
      segments = await run;
    } catch (e) {
      // A missing model will not appear on a retry; a crashed whisper thread might recover.
      const missing = isAppError(e) && e.code === 'stt.model_missing';
      if (missing) throw new UpstreamError(`${opts.id}: ${e.message}`, { status: null, retryable: false, providerId: opts.id });
      throw new UpstreamError(`${opts.id}: local speech-to-text failed: ${e instanceof Error ? e.message : String(e)}`, { status: null, retryable: true, providerId: opts.id });
    }
    const words = segments.flatMap((s) => s.words.map((w) => ({ word: w.text, start: w.start, end: w.end })));
    return {
      body: {
        text: segments.map((s) => s.text).join(' '),
        language: req.language ?? 'en',
        duration,
        ...(req.wordTimestamps ? { words } : {}),
        segments: segments.map((s, i) => ({ id: i, start: s.start, end: s.end, text: s.text })),
      },
      audioSec: duration,
    };
  }

  return {
    id: opts.id,
    kind: 'local',
    region: opts.region,
    chat: (body: ChatBody, signal: AbortSignal): Promise<ChatAnswer> => chat.chat(body, signal),
    chatStream: (body: ChatBody, signal: AbortSignal): AsyncIterable<ChatChunk> => chat.chatStream(body, signal),
    transcribe,
    async close() {
      const e = engine;
      engine = undefined;
      if (e) await (await e.catch(() => undefined))?.close();
    },
  };
}

import { AppError, ErrorCode } from '../../../app/contracts/errors';
import { traceHeaders } from '../ops/tracing';
import type { Segment } from '../../../app/transcript/transcript';
import { encodeWav16 } from '../audio/wav';
import type { ChannelAudio, SttEngine } from '../../../speech/stt-engine';
import { planSpeechWindows, windowSamples } from '../../../speech/speech-windows';
import { dropNonSpeech, placeWords, wordsToSegments } from '../../../speech/whisper-engine';
import type { WhisperWord } from '../../../speech/whisper-thread';

/**
 * Speech-to-text through the AI governance gateway's OpenAI-compatible `/v1/audio/transcriptions`.
 * Voice activity gating stays here: only spliced speech windows (≤ 28 s) leave the worker, each as
 * a 16 kHz mono WAV, so silence is never sent, priced or audited. Word times come back relative to
 * the window and are mapped onto the recording timeline exactly as with the in-process engine.
 */
export interface GatewaySttOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:8790/v1. */
  baseURL: string;
  /** The org's service credential. */
  apiKey: string;
  /** The gateway's public model name (e.g. whisper-tiny.en). */
  model: string;
  purpose?: string;
  sessionId?: string;
  /** The user the call is made for (per-user budgets). */
  userId?: string;
  /** Sent as X-Request-Id: the gateway logs its lines for the call under the API request that started the evaluation. */
  requestId?: string;
  /** Window i is sent with Idempotency-Key `${idempotencyPrefix}-w${i}`: a retried activity is not charged twice. */
  idempotencyPrefix?: string;
  language?: string;
  timeoutMs?: number;
}

interface VerboseTranscription {
  text: string;
  words?: Array<{ word: string; start: number; end: number }>;
}

export function createGatewaySttEngine(opts: GatewaySttOptions): SttEngine {
  let provider = 'gateway';
  return {
    get name() {
      return provider;
    },
    model: opts.model,
    async transcribeChannel(input: ChannelAudio, onProgress?: (fraction: number) => void): Promise<Segment[]> {
      const durationSec = input.pcm.length / input.sampleRate;
      const windows = planSpeechWindows(
        input.regions.filter((r) => r.channel === input.channel),
        durationSec,
      );
      const words: ReturnType<typeof placeWords> = [];
      let pieceBase = 0;
      onProgress?.(0);
      for (const [i, window] of windows.entries()) {
        const wav = encodeWav16({ sampleRate: input.sampleRate, channels: [windowSamples(input.pcm, input.sampleRate, window)] });
        const key = opts.idempotencyPrefix ? `${opts.idempotencyPrefix}-w${i}` : undefined;
        const answer = await postWindow(opts, wav, key);
        provider = answer.provider ?? provider;
        const raw: WhisperWord[] = (answer.body.words ?? []).map((w) => ({ text: w.word, start: w.start, end: w.end }));
        words.push(...placeWords(window, dropNonSpeech(raw)).map((w) => ({ ...w, piece: w.piece + pieceBase })));
        pieceBase += window.pieces.length;
        onProgress?.((i + 1) / windows.length);
      }
      if (!windows.length) onProgress?.(1);
      return wordsToSegments(input.channel, words);
    },
    close: async () => undefined,
  };
}

async function postWindow(opts: GatewaySttOptions, wav: Buffer, idempotencyKey: string | undefined): Promise<{ body: VerboseTranscription; provider: string | null }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'window.wav');
  form.append('model', opts.model);
  form.append('response_format', 'verbose_json');
  form.append('timestamp_granularities[]', 'word');
  form.append('language', opts.language ?? 'en');
  const headers: Record<string, string> = { authorization: `Bearer ${opts.apiKey}`, 'x-fe-purpose': opts.purpose ?? 'transcription' };
  if (opts.sessionId) headers['x-fe-session'] = opts.sessionId;
  if (opts.userId) headers['x-fe-user'] = opts.userId;
  if (opts.requestId) headers['x-request-id'] = opts.requestId;
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  Object.assign(headers, traceHeaders());
  const url = `${opts.baseURL.replace(/\/$/, '')}/audio/transcriptions`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body: form, headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 300_000) });
  } catch (e) {
    throw new AppError('stt.unavailable', `speech-to-text gateway ${url} unreachable: ${(e as Error).message}`, { cause: e });
  }
  const text = await res.text();
  if (!res.ok) throw gatewayError(res.status, text, url);
  try {
    return { body: JSON.parse(text) as VerboseTranscription, provider: res.headers.get('x-fe-provider') };
  } catch (e) {
    throw new AppError('stt.unavailable', `speech-to-text gateway ${url} sent a body that is not JSON`, { cause: e });
  }
}

/** The gateway's own stable codes (budget, policy…) are kept; anything transient becomes retryable stt.unavailable. */
function gatewayError(status: number, body: string, url: string): AppError {
  let code: unknown;
  let message = body.slice(0, 500);
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; message?: string } }).error;
    code = e?.code;
    message = e?.message ?? message;
  } catch {
    /* not JSON: keep the text */
  }
  const known = ErrorCode.safeParse(code);
  if (status === 429 || status >= 500 || !known.success) {
    return new AppError('stt.unavailable', `speech-to-text gateway refused a window (HTTP ${status}${known.success ? `, ${known.data}` : ''}): ${message}`, { details: { status, url, code: code ?? null } });
  }
  return new AppError(known.data, `speech-to-text gateway refused a window (HTTP ${status}): ${message}`, { details: { status, url } });
}

import type { ChatAnswer, ChatBody, ChatChunk, Provider, ProviderKind, TranscriptionAnswer, TranscriptionRequest } from '../gateway-contracts';
import { UpstreamError } from '../gateway-contracts';
import { parseEvent, readJson, sseData, upstreamFetch } from './upstream-http';

/**
 * OpenAI's wire format, spoken by OpenAI itself, Azure OpenAI (other URLs and auth header) and
 * OpenAI-compatible servers (Ollama, vLLM, llama.cpp server, our embedded LLM server).
 */
export interface OpenAiWire {
  chatUrl(upstreamModel: string): string;
  transcriptionUrl(upstreamModel: string): string;
  headers: Record<string, string>;
}

export interface OpenAiProviderOptions {
  id: string;
  kind?: Extract<ProviderKind, 'openai' | 'openai-compatible' | 'local'>;
  region: string;
  /** Ends before /chat/completions, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; omitted when undefined (e.g. a keyless Ollama). */
  apiKey?: string;
}

export function createOpenAiProvider(opts: OpenAiProviderOptions): Provider {
  const base = opts.baseUrl.replace(/\/+$/, '');
  return createOpenAiWireProvider({ id: opts.id, kind: opts.kind ?? 'openai', region: opts.region }, {
    chatUrl: () => `${base}/chat/completions`,
    transcriptionUrl: () => `${base}/audio/transcriptions`,
    headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
  });
}

export function createOpenAiWireProvider(identity: { id: string; kind: ProviderKind; region: string }, wire: OpenAiWire): Provider {
  const { id } = identity;
  const jsonHeaders = { ...wire.headers, 'content-type': 'application/json', accept: 'application/json' };
  return {
    ...identity,
    async chat(body: ChatBody, signal: AbortSignal): Promise<ChatAnswer> {
      const res = await upstreamFetch(id, wire.chatUrl(body.model), { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ ...body, stream: false }), signal });
      const answer = await readJson(id, res);
      if (!Array.isArray(answer.choices)) throw new UpstreamError(`${id}: answer has no choices`, { status: res.status, retryable: true, providerId: id, body: JSON.stringify(answer).slice(0, 2000) });
      return { body: answer as ChatAnswer['body'], usage: usageOf(answer.usage) };
    },
    async *chatStream(body: ChatBody, signal: AbortSignal): AsyncIterable<ChatChunk> {
      const streamOptions = typeof body.stream_options === 'object' && body.stream_options !== null ? body.stream_options : {};
      const res = await upstreamFetch(id, wire.chatUrl(body.model), {
        method: 'POST',
        headers: { ...jsonHeaders, accept: 'text/event-stream' },
        // include_usage makes the last chunk carry usage, which settles the budget.
        body: JSON.stringify({ ...body, stream: true, stream_options: { ...streamOptions, include_usage: true } }),
        signal,
      });
      for await (const data of sseData(id, res)) {
        if (data === '[DONE]') return;
        const event = parseEvent(id, data);
        if (event.error) throw new UpstreamError(`${id}: stream error: ${JSON.stringify(event.error).slice(0, 300)}`, { status: null, retryable: true, providerId: id });
        yield { ...event, choices: Array.isArray(event.choices) ? event.choices : [] } as ChatChunk;
      }
    },
    async transcribe(req: TranscriptionRequest, signal: AbortSignal): Promise<TranscriptionAnswer> {
      const form = new FormData();
      form.append('file', new Blob([req.audio], { type: req.mimeType }), req.filename);
      form.append('model', req.model);
      form.append('response_format', 'verbose_json');
      if (req.wordTimestamps) {
        form.append('timestamp_granularities[]', 'word');
        form.append('timestamp_granularities[]', 'segment');
      }
      if (req.language) form.append('language', req.language);
      if (req.prompt) form.append('prompt', req.prompt);
      const res = await upstreamFetch(id, wire.transcriptionUrl(req.model), { method: 'POST', headers: { ...wire.headers, accept: 'application/json' }, body: form, signal });
      return transcriptionAnswer(id, await readJson(id, res));
    },
  };
}

export function usageOf(raw: unknown): ChatAnswer['usage'] {
  const u = (typeof raw === 'object' && raw !== null ? raw : {}) as { prompt_tokens?: unknown; completion_tokens?: unknown };
  return { promptTokens: toCount(u.prompt_tokens), completionTokens: toCount(u.completion_tokens) };
}

function transcriptionAnswer(id: string, raw: Record<string, unknown>): TranscriptionAnswer {
  if (typeof raw.text !== 'string') throw new UpstreamError(`${id}: transcription has no text`, { status: 200, retryable: true, providerId: id, body: JSON.stringify(raw).slice(0, 2000) });
  const words = Array.isArray(raw.words) ? (raw.words as Array<{ word: string; start: number; end: number }>) : undefined;
  const lastEnd = words?.at(-1)?.end ?? 0;
  const duration = typeof raw.duration === 'number' ? raw.duration : Number(raw.duration ?? lastEnd) || lastEnd;
  return {
    body: {
      text: raw.text,
      duration,
      ...(typeof raw.language === 'string' ? { language: raw.language } : {}),
      ...(words ? { words } : {}),
      ...(Array.isArray(raw.segments) ? { segments: raw.segments } : {}),
    },
    audioSec: duration,
  };
}

function toCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0;
}

import type { ChatAnswer, ChatBody, ChatChunk, Provider, TranscriptionAnswer } from '../gateway-contracts';
import { UpstreamError } from '../gateway-contracts';
import { AnthropicStreamTranslator, TranslationError, fromAnthropicMessage, toAnthropicRequest } from './anthropic-translation';
import { parseEvent, readJson, sseData, upstreamFetch } from './upstream-http';

export interface AnthropicProviderOptions {
  id: string;
  region: string;
  /** Default https://api.anthropic.com (the path /v1/messages is appended). */
  baseUrl?: string;
  apiKey: string;
  /** anthropic-version header, default 2023-06-01. */
  anthropicVersion?: string;
}

/** Anthropic Messages API behind OpenAI's shapes (see anthropic-translation.ts). No speech-to-text. */
export function createAnthropicProvider(opts: AnthropicProviderOptions): Provider {
  const { id } = opts;
  const url = `${(opts.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '')}/v1/messages`;
  const headers = { 'x-api-key': opts.apiKey, 'anthropic-version': opts.anthropicVersion ?? '2023-06-01', 'content-type': 'application/json' };

  function translate(body: ChatBody, stream: boolean) {
    try {
      return toAnthropicRequest(body, stream);
    } catch (e) {
      // Another provider may well take it: not supported here, not the caller's fault.
      if (e instanceof TranslationError) throw new UpstreamError(`${id}: ${e.message}`, { status: null, retryable: false, providerId: id });
      throw e;
    }
  }

  return {
    id,
    kind: 'anthropic',
    region: opts.region,
    async chat(body: ChatBody, signal: AbortSignal): Promise<ChatAnswer> {
      const { request, structured } = translate(body, false);
      const res = await upstreamFetch(id, url, { method: 'POST', headers: { ...headers, accept: 'application/json' }, body: JSON.stringify(request), signal });
      return fromAnthropicMessage(await readJson(id, res), structured);
    },
    async *chatStream(body: ChatBody, signal: AbortSignal): AsyncIterable<ChatChunk> {
      const { request, structured } = translate(body, true);
      const res = await upstreamFetch(id, url, { method: 'POST', headers: { ...headers, accept: 'text/event-stream' }, body: JSON.stringify(request), signal });
      const translator = new AnthropicStreamTranslator(structured);
      for await (const data of sseData(id, res)) {
        const out = translator.translate(parseEvent(id, data));
        if (out.error) {
          // overloaded_error / api_error are the provider's trouble; others (invalid_request_error) are not worth a retry.
          const retryable = out.error.type === 'overloaded_error' || out.error.type === 'api_error' || out.error.type === 'rate_limit_error';
          throw new UpstreamError(`${id}: stream error ${out.error.type}: ${out.error.message}`, { status: retryable ? null : 400, retryable, providerId: id });
        }
        if (out.chunk) yield out.chunk;
        if (out.done) return;
      }
    },
    transcribe(): Promise<TranscriptionAnswer> {
      return Promise.reject(new UpstreamError(`${id}: Anthropic has no speech-to-text`, { status: null, retryable: false, providerId: id }));
    },
  };
}


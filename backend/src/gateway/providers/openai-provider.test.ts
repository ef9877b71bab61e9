import { afterEach, describe, expect, it } from 'vitest';
import { encodeWav16 } from '../../audio/wav';
import { chatCompletion, chatCompletionChunks, openAiErrorResponse, startOpenAiTestServer, type OpenAiTestServer } from '../../testing/openai-test-server';
import type { ChatChunk } from '../gateway-contracts';
import { UpstreamError } from '../gateway-contracts';
import { createAzureOpenAiProvider } from './azure-openai-provider';
import { createOpenAiProvider } from './openai-provider';

let upstream: OpenAiTestServer | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const signal = () => AbortSignal.timeout(10_000);
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello' },
];

async function upstreamError(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpstreamError) return e;
    throw e;
  }
  throw new Error('expected an UpstreamError');
}

async function collect(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

describe('OpenAI provider', () => {
  it('posts the body to {base}/chat/completions with a bearer key and reads usage', async () => {
    upstream = await startOpenAiTestServer({ respond: () => chatCompletion('Hi.', { promptTokens: 12, completionTokens: 3 }) });
    const p = createOpenAiProvider({ id: 'openai', region: 'us', baseUrl: upstream.baseURL, apiKey: 'sk-test' });
    const answer = await p.chat({ model: 'gpt-4o-mini', messages, max_tokens: 20, temperature: 0.2 }, signal());
    const req = upstream.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.body).toMatchObject({ model: 'gpt-4o-mini', messages, max_tokens: 20, temperature: 0.2, stream: false });
    expect(answer.usage).toEqual({ promptTokens: 12, completionTokens: 3 });
    expect(answer.body.choices).toEqual([expect.objectContaining({ message: { role: 'assistant', content: 'Hi.' } })]);
  });

  it('streams chunks and asks for usage in the last one', async () => {
    upstream = await startOpenAiTestServer({ respond: () => chatCompletionChunks('one two three', { promptTokens: 9, completionTokens: 3 }) });
    const p = createOpenAiProvider({ id: 'openai', region: 'us', baseUrl: upstream.baseURL, apiKey: 'k' });
    const chunks = await collect(p.chatStream({ model: 'm', messages, stream: true }, signal()));
    expect(upstream.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const text = chunks.map((c) => (c.choices[0] as { delta?: { content?: string } } | undefined)?.delta?.content ?? '').join('');
    expect(text).toBe('one two three');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3 });
  });

  it('sends a transcription as multipart verbose_json with word timestamps', async () => {
    upstream = await startOpenAiTestServer({
      respond: () => ({ text: 'hello there', language: 'english', duration: 1.5, words: [{ word: 'hello', start: 0.1, end: 0.5 }, { word: 'there', start: 0.6, end: 1.0 }] }),
    });
    const p = createOpenAiProvider({ id: 'openai', region: 'us', baseUrl: upstream.baseURL, apiKey: 'k' });
    const wav = encodeWav16({ sampleRate: 16000, channels: [new Float32Array(16000)] });
    const answer = await p.transcribe({ audio: wav, filename: 'w0.wav', mimeType: 'audio/wav', model: 'whisper-1', language: 'en', wordTimestamps: true }, signal());
    const req = upstream.requests[0]!;
    expect(req.path).toBe('/v1/audio/transcriptions');
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.form!.get('model')).toBe('whisper-1');
    expect(req.form!.get('response_format')).toBe('verbose_json');
    expect(req.form!.getAll('timestamp_granularities[]')).toContain('word');
    expect(req.form!.get('language')).toBe('en');
    const file = req.form!.get('file') as File;
    expect(file.name).toBe('w0.wav');
    expect(Buffer.from(await file.arrayBuffer()).equals(wav)).toBe(true);
    expect(answer.body.words).toHaveLength(2);
    expect(answer.audioSec).toBe(1.5);
  });

  it('turns 429 with Retry-After into a retryable error carrying the delay, and 400 into a final one', async () => {
    let n = 0;
    upstream = await startOpenAiTestServer({ respond: () => (n++ === 0 ? { ...openAiErrorResponse(429, 'slow down'), headers: { 'retry-after': '2' } } : openAiErrorResponse(400, 'bad messages')) });
    const p = createOpenAiProvider({ id: 'openai', region: 'us', baseUrl: upstream.baseURL, apiKey: 'k' });
    const limited = await upstreamError(p.chat({ model: 'm', messages }, signal()));
    expect(limited.opts).toMatchObject({ status: 429, retryable: true, retryAfterMs: 2000, providerId: 'openai' });
    expect(limited.message).toContain('slow down');
    const bad = await upstreamError(p.chat({ model: 'm', messages }, signal()));
    expect(bad.opts).toMatchObject({ status: 400, retryable: false });
  });

  it('turns a refused connection into a retryable error without status', async () => {
    upstream = await startOpenAiTestServer({ respond: () => chatCompletion('x') });
    const baseUrl = upstream.baseURL;
    await upstream.close();
    upstream = undefined;
    const p = createOpenAiProvider({ id: 'vllm', kind: 'openai-compatible', region: 'local', baseUrl });
    const err = await upstreamError(p.chat({ model: 'm', messages }, signal()));
    expect(err.opts).toMatchObject({ status: null, retryable: true, providerId: 'vllm' });
  });
});

describe('Azure OpenAI provider', () => {
  it('addresses the deployment with api-version and authenticates with api-key', async () => {
    upstream = await startOpenAiTestServer({ respond: () => chatCompletion('ok', { promptTokens: 5, completionTokens: 1 }) });
    const endpoint = upstream.baseURL.replace(/\/v1$/, '');
    const p = createAzureOpenAiProvider({ id: 'azure', region: 'eu', endpoint, apiKey: 'az-key', deployments: { 'gpt-4o-mini': 'mini-eu' }, apiVersion: '2024-10-21' });
    const answer = await p.chat({ model: 'gpt-4o-mini', messages }, signal());
    const req = upstream.requests[0]!;
    expect(req.path).toBe('/openai/deployments/mini-eu/chat/completions');
    expect(req.query).toEqual({ 'api-version': '2024-10-21' });
    expect(req.headers['api-key']).toBe('az-key');
    expect(req.headers.authorization).toBeUndefined();
    expect(answer.usage).toEqual({ promptTokens: 5, completionTokens: 1 });
  });

  it('sends transcriptions to the deployment too', async () => {
    upstream = await startOpenAiTestServer({ respond: () => ({ text: 'hi', duration: 0.5 }) });
    const endpoint = upstream.baseURL.replace(/\/v1$/, '');
    const p = createAzureOpenAiProvider({ id: 'azure', region: 'eu', endpoint, apiKey: 'az-key', deployments: { 'whisper-1': 'whisper-eu' }, apiVersion: '2024-10-21' });
    await p.transcribe({ audio: new Uint8Array([1, 2, 3]), filename: 'a.wav', mimeType: 'audio/wav', model: 'whisper-1', wordTimestamps: true }, signal());
    expect(upstream.requests[0]!.path).toBe('/openai/deployments/whisper-eu/audio/transcriptions');
    expect(upstream.requests[0]!.query['api-version']).toBe('2024-10-21');
  });

  it('fails over (not the caller’s fault) for a model without a deployment, before any request', async () => {
    upstream = await startOpenAiTestServer({ respond: () => chatCompletion('x') });
    const p = createAzureOpenAiProvider({ id: 'azure', region: 'eu', endpoint: upstream.baseURL, apiKey: 'k', deployments: {}, apiVersion: 'v' });
    const err = await upstreamError(p.chat({ model: 'gpt-4o', messages }, signal()));
    expect(err.opts).toMatchObject({ status: null, retryable: false });
    expect(upstream.requests).toHaveLength(0);
  });
});

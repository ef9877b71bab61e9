import { afterEach, describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../../../../app/contracts/errors';
import { anthropicMessage, startAnthropicTestServer } from '../../testing/anthropic-test-server';
import { chatCompletion, chatCompletionChunks, openAiErrorResponse, startOpenAiTestServer, type OpenAiTestServer, type RecordedRequest } from '../../testing/openai-test-server';
import type { ChatChunk, ModelRoute, Provider } from '../gateway-contracts';
import { startChatStream } from './chat-stream-start';
import { createProvider } from './provider-factory';
import { parseProvidersConfig, type ProvidersConfigInput } from './provider-config';
import { createProviderRouter, type ProviderRouterOptions } from './provider-router';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function openAiUpstream(respond: (req: RecordedRequest) => unknown): Promise<OpenAiTestServer> {
  const s = await startOpenAiTestServer({ respond });
  servers.push(s);
  return s;
}

const messages = [{ role: 'user', content: 'Hello' }];
const logged: Array<{ obj: Record<string, unknown>; msg: string }> = [];
const log = { info: (obj: object, msg: string) => logged.push({ obj: obj as Record<string, unknown>, msg }), warn: (obj: object, msg: string) => logged.push({ obj: obj as Record<string, unknown>, msg }) };

/** Two OpenAI-compatible providers a → b serving model "m", with fast backoff for tests. */
function router(a: string, b: string, overrides: { a?: Partial<ProvidersConfigInput['providers'][number]>; breaker?: ProviderRouterOptions['breaker']; retry?: ProviderRouterOptions['retry'] } = {}) {
  const config = parseProvidersConfig({
    providers: [
      { id: 'primary', kind: 'openai-compatible', baseUrl: a, region: 'us', maxRetries: 2, timeoutMs: 5000, ...overrides.a },
      { id: 'fallback', kind: 'openai-compatible', baseUrl: b, region: 'eu', maxRetries: 0, timeoutMs: 5000 },
    ],
    models: [{ model: 'm', kind: 'chat', targets: [{ provider: 'primary', upstreamModel: 'up-a' }, { provider: 'fallback', upstreamModel: 'up-b' }] }],
  });
  return createProviderRouter({ config, providers: (c) => createProvider(c, { apiKey: `key-${c.id}` }), retry: { baseDelayMs: 1, maxDelayMs: 5, ...overrides.retry }, ...(overrides.breaker ? { breaker: overrides.breaker } : {}), log });
}

const chat = (p: Provider, model: string, signal: AbortSignal) => p.chat({ model, messages, max_tokens: 5 }, signal);

async function appError(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('provider router', () => {
  it('retries a 429, waiting what Retry-After asks, then succeeds on the same provider', async () => {
    let n = 0;
    const a = await openAiUpstream(() => (n++ === 0 ? { ...openAiErrorResponse(429, 'rate limited'), headers: { 'retry-after': '0.05' } } : chatCompletion('ok')));
    const b = await openAiUpstream(() => chatCompletion('from fallback'));
    logged.length = 0;
    const rt = router(a.baseURL, b.baseURL);
    const r = await rt.run(rt.route('m')!.targets, chat);
    expect(r).toMatchObject({ providerId: 'primary', upstreamModel: 'up-a', attempts: 2 });
    expect(a.requests.map((q) => q.body.model)).toEqual(['up-a', 'up-a']);
    expect(b.requests).toHaveLength(0);
    expect(logged.find((l) => l.msg === 'retrying provider')?.obj).toMatchObject({ providerId: 'primary', delayMs: 50 });
  });

  it('falls back at once when Retry-After is longer than the cap instead of waiting', async () => {
    const a = await openAiUpstream(() => ({ ...openAiErrorResponse(429, 'come back in an hour'), headers: { 'retry-after': '3600' } }));
    const b = await openAiUpstream(() => chatCompletion('from fallback'));
    const rt = router(a.baseURL, b.baseURL);
    const r = await rt.run(rt.route('m')!.targets, chat);
    expect(r.providerId).toBe('fallback');
    expect(a.requests).toHaveLength(1);
  });

  it('opens the breaker after repeated 503s, and the next call goes straight to the fallback', async () => {
    const a = await openAiUpstream(() => openAiErrorResponse(503, 'down'));
    const b = await openAiUpstream(() => chatCompletion('from fallback'));
    const rt = router(a.baseURL, b.baseURL, { breaker: { failures: 3, halfOpenAfterMs: 60_000 } });
    const first = await rt.run(rt.route('m')!.targets, chat);
    expect(first.providerId).toBe('fallback');
    expect(a.requests).toHaveLength(3); // 1 + 2 retries, the third opens the breaker
    expect(rt.breakerStates()).toEqual({ primary: 'open', fallback: 'closed' });
    const second = await rt.run(rt.route('m')!.targets, chat);
    expect(second).toMatchObject({ providerId: 'fallback', attempts: 1 });
    expect(a.requests).toHaveLength(3);
    expect(b.requests).toHaveLength(2);
  });

  it('lets one trial call through after the cool-down and closes the breaker when it succeeds', async () => {
    let down = true;
    const a = await openAiUpstream(() => (down ? openAiErrorResponse(503, 'down') : chatCompletion('back')));
    const b = await openAiUpstream(() => chatCompletion('from fallback'));
    const rt = router(a.baseURL, b.baseURL, { a: { maxRetries: 0 }, breaker: { failures: 1, halfOpenAfterMs: 30 } });
    expect((await rt.run(rt.route('m')!.targets, chat)).providerId).toBe('fallback');
    expect(rt.breakerStates().primary).toBe('open');
    down = false;
    await new Promise((r) => setTimeout(r, 60));
    expect((await rt.run(rt.route('m')!.targets, chat)).providerId).toBe('primary');
    expect(rt.breakerStates().primary).toBe('closed');
  });

  it('does not retry or fall back on a 400: it is the caller’s error', async () => {
    const a = await openAiUpstream(() => openAiErrorResponse(400, 'messages must not be empty'));
    const b = await openAiUpstream(() => chatCompletion('from fallback'));
    const rt = router(a.baseURL, b.baseURL);
    const err = await appError(rt.run(rt.route('m')!.targets, chat));
    expect(err.code).toBe('request.invalid');
    expect(err.status).toBe(400);
    expect(err.message).toContain('messages must not be empty');
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });

  it('moves to the next target when an attempt times out', async () => {
    const a = await openAiUpstream(() => new Promise(() => undefined)); // never answers
    const b = await openAiUpstream(() => chatCompletion('from fallback'));
    const rt = router(a.baseURL, b.baseURL, { a: { timeoutMs: 150, maxRetries: 0 } });
    const r = await rt.run(rt.route('m')!.targets, chat);
    expect(r.providerId).toBe('fallback');
    expect(a.requests).toHaveLength(1);
  });

  it('throws upstream.timeout when every provider timed out', async () => {
    const a = await openAiUpstream(() => new Promise(() => undefined));
    const config = parseProvidersConfig({
      providers: [{ id: 'slow', kind: 'openai-compatible', baseUrl: a.baseURL, region: 'us', maxRetries: 0, timeoutMs: 100 }],
      models: [{ model: 'm', kind: 'chat', targets: [{ provider: 'slow', upstreamModel: 'x' }] }],
    });
    const rt = createProviderRouter({ config, providers: (c) => createProvider(c) });
    const err = await appError(rt.run(rt.route('m')!.targets, chat));
    expect(err.code).toBe('upstream.timeout');
    expect(err.message).toContain('slow (timed out)');
  });

  it('throws upstream.unavailable naming both providers and why when all are down', async () => {
    const a = await openAiUpstream(() => openAiErrorResponse(503, 'primary is overloaded'));
    const b = await openAiUpstream(() => openAiErrorResponse(502, 'bad gateway upstream'));
    const rt = router(a.baseURL, b.baseURL);
    const err = await appError(rt.run(rt.route('m')!.targets, chat));
    expect(err.code).toBe('upstream.unavailable');
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/primary \(.*HTTP 503.*primary is overloaded, 3 attempts\)/);
    expect(err.message).toMatch(/fallback \(.*HTTP 502.*bad gateway upstream\)/);
    const attempts = err.details!.attempts as Array<{ providerId: string; status: number }>;
    expect(attempts.map((x) => [x.providerId, x.status])).toEqual([['primary', 503], ['primary', 503], ['primary', 503], ['fallback', 502]]);
  });

  it('falls back from a provider without speech-to-text (Anthropic) to the next one', async () => {
    const ant = await startAnthropicTestServer({ respond: () => anthropicMessage('x') });
    servers.push(ant);
    const oa = await openAiUpstream(() => ({ text: 'hello', duration: 1 }));
    const config = parseProvidersConfig({
      providers: [
        { id: 'anthropic', kind: 'anthropic', baseUrl: ant.baseURL, region: 'us' },
        { id: 'openai', kind: 'openai', baseUrl: oa.baseURL, region: 'us' },
      ],
      models: [{ model: 'stt', kind: 'stt', targets: [{ provider: 'anthropic', upstreamModel: 'x' }, { provider: 'openai', upstreamModel: 'whisper-1' }] }],
    });
    const rt = createProviderRouter({ config, providers: (c) => createProvider(c, { apiKey: 'k' }) });
    const r = await rt.run(rt.route('stt')!.targets, (p, model, signal) => p.transcribe({ audio: new Uint8Array(8), filename: 'a.wav', mimeType: 'audio/wav', model, wordTimestamps: true }, signal));
    expect(r.providerId).toBe('openai');
    expect(r.value.body.text).toBe('hello');
    expect(ant.requests).toHaveLength(0);
    expect(oa.requests[0]!.headers.authorization).toBe('Bearer k');
  });

  it('retries and falls back a stream only before its first chunk', async () => {
    const a = await openAiUpstream(() => openAiErrorResponse(500, 'boom'));
    const b = await openAiUpstream(() => chatCompletionChunks('streamed from fallback', { promptTokens: 7, completionTokens: 3 }));
    const rt = router(a.baseURL, b.baseURL, { a: { maxRetries: 1 } });
    const targets: ModelRoute['targets'] = rt.route('m')!.targets;
    const r = await rt.run(targets, (p, model, signal) => startChatStream(p.chatStream({ model, messages, stream: true }, signal)));
    expect(r.providerId).toBe('fallback');
    const chunks: ChatChunk[] = [];
    for await (const c of r.value) chunks.push(c);
    expect(chunks.map((c) => (c.choices[0] as { delta?: { content?: string } } | undefined)?.delta?.content ?? '').join('')).toBe('streamed from fallback');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3 });
    expect(a.requests).toHaveLength(2);
  });
});

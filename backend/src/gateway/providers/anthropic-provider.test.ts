import { afterEach, describe, expect, it } from 'vitest';
import { anthropicErrorResponse, anthropicMessage, anthropicTextStream, startAnthropicTestServer, type AnthropicTestServer } from '../../testing/anthropic-test-server';
import type { ChatChunk } from '../gateway-contracts';
import { UpstreamError } from '../gateway-contracts';
import { createAnthropicProvider } from './anthropic-provider';

let upstream: AnthropicTestServer | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const signal = () => AbortSignal.timeout(10_000);
const provider = (baseUrl: string) => createAnthropicProvider({ id: 'anthropic', region: 'us', baseUrl, apiKey: 'ant-key' });

async function upstreamError(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpstreamError) return e;
    throw e;
  }
  throw new Error('expected an UpstreamError');
}

describe('Anthropic provider', () => {
  it('translates an OpenAI request: system to the top level, max_tokens, temperature, stop; authenticates with x-api-key', async () => {
    upstream = await startAnthropicTestServer({ respond: () => anthropicMessage('Hello back.', { inputTokens: 21, outputTokens: 4 }) });
    await provider(upstream.baseURL).chat(
      {
        model: 'claude-sonnet-4-5',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
          { role: 'assistant', content: 'Hi.' },
          { role: 'user', content: 'Again' },
        ],
        max_tokens: 64,
        temperature: 1.6,
        stop: 'END',
      },
      signal(),
    );
    const req = upstream.requests[0]!;
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe('ant-key');
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'You are terse.',
      max_tokens: 64,
      temperature: 1,
      stop_sequences: ['END'],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Hi.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Again' }] },
      ],
    });
  });

  it('answers in chat.completion shape with usage from input/output tokens', async () => {
    upstream = await startAnthropicTestServer({ respond: () => anthropicMessage('Hello back.', { inputTokens: 21, outputTokens: 4, stopReason: 'max_tokens' }) });
    const answer = await provider(upstream.baseURL).chat({ model: 'c', messages: [{ role: 'user', content: 'Hello' }] }, signal());
    expect(upstream.requests[0]!.body.max_tokens).toBe(4096);
    expect(answer.usage).toEqual({ promptTokens: 21, completionTokens: 4 });
    expect(answer.body).toMatchObject({
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello back.' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 21, completion_tokens: 4, total_tokens: 25 },
    });
  });

  it('asks for a json_schema answer as one forced tool call and returns its input as JSON content', async () => {
    const schema = { type: 'object', properties: { score: { type: 'integer' } }, required: ['score'] };
    upstream = await startAnthropicTestServer({ respond: () => anthropicMessage({ toolInput: { score: 4 } }) });
    const answer = await provider(upstream.baseURL).chat(
      { model: 'c', messages: [{ role: 'user', content: 'Rate it' }], response_format: { type: 'json_schema', json_schema: { name: 'rating', schema } } },
      signal(),
    );
    const body = upstream.requests[0]!.body;
    expect(body.tools).toEqual([expect.objectContaining({ name: 'structured_answer', input_schema: schema })]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'structured_answer' });
    const choice = answer.body.choices[0] as { message: { content: string }; finish_reason: string };
    expect(JSON.parse(choice.message.content)).toEqual({ score: 4 });
    expect(choice.finish_reason).toBe('stop');
  });

  it('translates the event stream into chat.completion.chunk objects ending with usage', async () => {
    upstream = await startAnthropicTestServer({ respond: () => anthropicTextStream('one two three', { inputTokens: 30, outputTokens: 3 }) });
    const chunks: ChatChunk[] = [];
    for await (const c of provider(upstream.baseURL).chatStream({ model: 'c', messages: [{ role: 'user', content: 'Count' }], stream: true }, signal())) chunks.push(c);
    expect(upstream.requests[0]!.body.stream).toBe(true);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    const deltas = chunks.map((c) => (c.choices[0] as { delta?: { content?: string } } | undefined)?.delta);
    expect(deltas[0]).toEqual({ role: 'assistant', content: '' });
    expect(deltas.map((d) => d?.content ?? '').join('')).toBe('one two three');
    expect(chunks.map((c) => (c.choices[0] as { finish_reason?: string } | undefined)?.finish_reason).filter(Boolean)).toEqual(['stop']);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 30, completion_tokens: 3 } });
  });

  it('reports overload (529) as retryable and a bad request as final', async () => {
    let n = 0;
    upstream = await startAnthropicTestServer({ respond: () => (n++ === 0 ? anthropicErrorResponse(529, 'overloaded_error', 'Overloaded', { 'retry-after': '3' }) : anthropicErrorResponse(400, 'invalid_request_error', 'messages: empty')) });
    const p = provider(upstream.baseURL);
    const overloaded = await upstreamError(p.chat({ model: 'c', messages: [{ role: 'user', content: 'x' }] }, signal()));
    expect(overloaded.opts).toMatchObject({ status: 529, retryable: true, retryAfterMs: 3000 });
    expect(overloaded.message).toContain('Overloaded');
    const bad = await upstreamError(p.chat({ model: 'c', messages: [{ role: 'user', content: 'x' }] }, signal()));
    expect(bad.opts).toMatchObject({ status: 400, retryable: false });
  });

  it('refuses transcription as not supported (no status, not retryable) without calling upstream', async () => {
    upstream = await startAnthropicTestServer({ respond: () => anthropicMessage('x') });
    const err = await upstreamError(provider(upstream.baseURL).transcribe({ audio: new Uint8Array(4), filename: 'a.wav', mimeType: 'audio/wav', model: 'x', wordTimestamps: true }, signal()));
    expect(err.opts).toMatchObject({ status: null, retryable: false, providerId: 'anthropic' });
    expect(upstream.requests).toHaveLength(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer } from './openai-test-server';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are inspected field by field
type Loose = any;

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startOpenAiTestServer', () => {
  it('records path, headers and parsed body, and answers with the scripted chat completion', async () => {
    server = await startOpenAiTestServer({ respond: (req) => chatCompletion({ echo: req.body.messages[0].content }, { promptTokens: 7 }) });
    const res = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await res.json()) as Loose;
    expect(res.status).toBe(200);
    expect(body.object).toBe('chat.completion');
    expect(JSON.parse(body.choices[0].message.content)).toEqual({ echo: 'hi' });
    expect(body.usage.prompt_tokens).toBe(7);
    expect(body.usage.total_tokens).toBe(7 + body.usage.completion_tokens);
    expect(server.requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } }),
    ]);
    expect(server.requests[0]!.headers['idempotency-key']).toBe('k-1');
  });

  it('sends a scripted status and keeps a body that is not JSON as text', async () => {
    server = await startOpenAiTestServer({ respond: () => ({ status: 429, body: { error: { message: 'slow down' } } }) });
    const res = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(429);
    expect(((await res.json()) as Loose).error.message).toBe('slow down');
    expect(server.requests[0]!.body).toBe('not json');
  });
});

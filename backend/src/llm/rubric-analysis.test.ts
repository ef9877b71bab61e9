import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../app/contracts/errors';
import { z } from 'zod';
import { chatCompletion, openAiErrorResponse, startOpenAiTestServer, type OpenAiTestServer } from '../testing/openai-test-server';
import { analyzeWithModel, DEFAULT_ANALYSIS_SEED } from './rubric-analysis';

// A structured answer with required and defaulted fields (the shape of the first analysis schema; only the call is under test here).
const ModelAnalysis = z.object({
  items: z.array(z.object({ itemId: z.string(), score: z.number().int(), rationale: z.string(), evidence: z.array(z.object({ quote: z.string(), speaker: z.enum(['clinician', 'patient']) })) })),
  summary: z.string(),
  strengths: z.array(z.string()).default([]),
  suggestions: z.array(z.string()).default([]),
});
type ModelAnalysis = z.infer<typeof ModelAnalysis>;

const analysis: ModelAnalysis = {
  items: [{ itemId: 'open_questions', score: 4, rationale: 'Mostly open questions.', evidence: [{ quote: 'what brings you in today', speaker: 'clinician' }] }],
  summary: 'A warm opening.',
  strengths: ['Open questions'],
  suggestions: [],
};

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function call(baseURL: string, extra: Omit<Partial<Parameters<typeof analyzeWithModel>[0]>, 'schema'> = {}) {
  return analyzeWithModel({
    baseURL,
    apiKey: 'test-key',
    model: 'gpt-test',
    system: 'You rate clinical communication.',
    user: 'Transcript: ...',
    schema: ModelAnalysis,
    idempotencyKey: 'session-1:analysis:v1',
    maxRetries: 0,
    ...extra,
  });
}

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

describe('analyzeWithModel', () => {
  it('sends the schema, idempotency key, temperature and seed to the chat-completions endpoint and returns the parsed analysis', async () => {
    server = await startOpenAiTestServer({ respond: () => chatCompletion(analysis, { model: 'gpt-test-2026', promptTokens: 321, completionTokens: 54 }) });
    const out = await call(server.baseURL, { headers: { 'X-Session-Id': 's-1' }, maxOutputTokens: 900 });

    expect(out.object).toEqual(analysis);
    expect(out.usage).toEqual({ inputTokens: 321, outputTokens: 54 });
    expect(out.model).toBe('gpt-test-2026');
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req!.path).toBe('/v1/chat/completions');
    expect(req!.headers['idempotency-key']).toBe('session-1:analysis:v1');
    expect(req!.headers['x-session-id']).toBe('s-1');
    expect(req!.headers.authorization).toBe('Bearer test-key');
    expect(req!.body.model).toBe('gpt-test');
    expect(req!.body.temperature).toBe(0);
    expect(req!.body.seed).toBe(DEFAULT_ANALYSIS_SEED);
    expect(req!.body.max_tokens).toBe(900);
    expect(req!.body.messages).toEqual([
      { role: 'system', content: 'You rate clinical communication.' },
      { role: 'user', content: 'Transcript: ...' },
    ]);
    expect(req!.body.response_format.type).toBe('json_schema');
    expect(req!.body.response_format.json_schema.schema.properties.items.items.required).toEqual(['itemId', 'score', 'rationale', 'evidence']);
  });

  it('fills schema defaults the model left out', async () => {
    server = await startOpenAiTestServer({ respond: () => chatCompletion({ items: analysis.items, summary: 'ok' }) });
    const out = await call(server.baseURL);
    expect(out.object.strengths).toEqual([]);
  });

  it('recovers an object the model wrapped in a code fence', async () => {
    server = await startOpenAiTestServer({ respond: () => chatCompletion('Here is the analysis:\n```json\n' + JSON.stringify(analysis) + '\n```') });
    const out = await call(server.baseURL);
    expect(out.object.items[0]!.score).toBe(4);
  });

  it('rejects output that is not JSON as analysis.invalid_output with the raw text', async () => {
    server = await startOpenAiTestServer({ respond: () => chatCompletion('I think the clinician did well overall.') });
    const e = await expectAppError(call(server.baseURL), 'analysis.invalid_output');
    expect(e.details?.rawText).toBe('I think the clinician did well overall.');
  });

  it('rejects JSON that does not match the schema as analysis.invalid_output naming the problem', async () => {
    const bad = { ...analysis, items: [{ itemId: 'open_questions', score: 'high', rationale: 'x', evidence: [] }] };
    server = await startOpenAiTestServer({ respond: () => chatCompletion(bad) });
    const e = await expectAppError(call(server.baseURL), 'analysis.invalid_output');
    expect(e.details?.rawText).toBe(JSON.stringify(bad));
    expect(JSON.stringify(e.details?.problems)).toContain('items.0.score');
  });

  it('maps a 5xx answer to llm.unavailable and retries with the same idempotency key', async () => {
    server = await startOpenAiTestServer({ respond: () => openAiErrorResponse(503, 'overloaded') });
    await expectAppError(call(server.baseURL, { maxRetries: 1 }), 'llm.unavailable');
    expect(server.requests).toHaveLength(2);
    expect(new Set(server.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['session-1:analysis:v1']));
  });

  it('keeps a stable code the gateway answered with', async () => {
    server = await startOpenAiTestServer({ respond: () => openAiErrorResponse(403, 'not allowed for this org', 'auth.forbidden') });
    await expectAppError(call(server.baseURL), 'auth.forbidden');
  });

  it('maps a refused connection to llm.unavailable', async () => {
    const port = await freePort();
    await expectAppError(call(`http://127.0.0.1:${port}/v1`), 'llm.unavailable');
  });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

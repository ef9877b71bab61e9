import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { setupLlmModel } from '../../../scripts/setup/llm-model';
import { LOCAL_CHAT_MODEL } from '../gateway/providers/provider-config';
import { defaultDataDir } from '../paths';
import { startLocalLlmServer, type LocalLlmServer } from './local-llm-server';
import { analyzeWithModel } from './rubric-analysis';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are inspected field by field
type Loose = any;

// The real default model (Qwen2.5-Coder 1.5B Instruct, assembled by set-up): few, short generations.
// One thread: on 2 cores shared with other work, 2 threads fell to 0.25 tokens/s where 1 gave 1.6
// (docs/decisions/009); timeouts are generous for the same reason.
const GENERATION_MS = 600_000;
const THREADS = 1;
let server: LocalLlmServer;

beforeAll(async () => {
  const { modelPath } = await setupLlmModel({ dataDir: defaultDataDir });
  server = await startLocalLlmServer({ modelPath, modelId: LOCAL_CHAT_MODEL, contextSize: 2048, threads: THREADS });
});
afterAll(async () => {
  await server?.close();
});

const post = (body: unknown) =>
  fetch(`${server.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Bounded strings and arrays so the grammar always closes the object well within max_tokens. */
const ItemRating = z.object({
  itemId: z.literal('open_questions'),
  score: z.literal([1, 2, 3, 4, 5]),
  rationale: z.string().max(60),
  evidence: z.array(z.object({ quote: z.string().max(50), speaker: z.enum(['clinician', 'patient']) })).max(1),
});

describe('local LLM server (default embedded model)', () => {
  it('lists the loaded model', async () => {
    const res = await fetch(`${server.baseURL}/models`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Loose).data).toEqual([expect.objectContaining({ id: LOCAL_CHAT_MODEL, object: 'model' })]);
  });

  it('answers a malformed body with 400 request.invalid', async () => {
    const res = await post('{"messages": [');
    expect(res.status).toBe(400);
    expect(((await res.json()) as Loose).error.code).toBe('request.invalid');
  });

  it('answers a request without messages with 400 request.invalid', async () => {
    const res = await post({ model: 'x', messages: [] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Loose).error).toMatchObject({ code: 'request.invalid', type: 'invalid_request_error' });
  });

  it('refuses a prompt that does not fit the context instead of forgetting its start', async () => {
    const res = await post({ messages: [{ role: 'user', content: 'word '.repeat(3000) }], max_tokens: 10 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Loose).error.code).toBe('request.invalid');
  });

  it('returns schema-valid JSON for a rubric item through the AI SDK', async () => {
    const out = await analyzeWithModel({
      baseURL: server.baseURL,
      apiKey: 'local',
      model: LOCAL_CHAT_MODEL,
      system: 'You rate how a clinician communicates. Answer only with JSON.',
      user:
        'Transcript:\nclinician: What brings you in today?\npatient: I have had headaches for two weeks.\nclinician: Tell me more about them.\n\n' +
        'Rate item open_questions (does the clinician ask open questions?) from 1 to 5 and quote the transcript.',
      schema: ItemRating,
      idempotencyKey: 'test-local-1',
      maxOutputTokens: 200,
      maxRetries: 0,
    });
    expect(ItemRating.safeParse(out.object).success).toBe(true);
    expect(out.model).toBe(LOCAL_CHAT_MODEL);
    expect(out.usage.inputTokens).toBeGreaterThan(40);
    expect(out.usage.outputTokens).toBeGreaterThan(5);
  }, GENERATION_MS);

  it('answers a json_schema response_format with JSON that follows the schema (grammar-constrained)', async () => {
    const Answer = z.object({ asksOpenQuestion: z.boolean(), speaker: z.enum(['clinician', 'patient']), reason: z.string().max(60) });
    const res = await post({
      messages: [
        { role: 'system', content: 'You label one line of a clinical conversation. Answer with JSON only.' },
        { role: 'user', content: 'Line: "clinician: What brings you in today?"' },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'label', schema: z.toJSONSchema(Answer, { target: 'draft-7' }) } },
      max_tokens: 60,
      temperature: 0,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Loose;
    expect(body.choices[0].finish_reason).toBe('stop');
    const parsed = Answer.safeParse(JSON.parse(body.choices[0].message.content as string));
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ asksOpenQuestion: true, speaker: 'clinician' });
  }, GENERATION_MS);

  it('serves concurrent requests one after another without corrupting either', async () => {
    const ask = (content: string) => post({ messages: [{ role: 'user', content }], max_tokens: 4, temperature: 0 }).then(async (r) => ({ status: r.status, body: (await r.json()) as Loose }));
    const [a, b] = await Promise.all([ask('Name a colour.'), ask('Name a fruit.')]);
    for (const r of [a, b]) {
      expect(r.status).toBe(200);
      expect(r.body.object).toBe('chat.completion');
      expect(r.body.usage.completion_tokens).toBeGreaterThan(0);
      expect(r.body.usage.completion_tokens).toBeLessThanOrEqual(4);
    }
  }, GENERATION_MS);
});

describe('local LLM server with an API key', () => {
  let keyed: LocalLlmServer;
  beforeAll(async () => {
    const { modelPath } = await setupLlmModel({ dataDir: defaultDataDir });
    keyed = await startLocalLlmServer({ modelPath, modelId: LOCAL_CHAT_MODEL, contextSize: 512, threads: THREADS, apiKey: 'gateway-only-key' });
  });
  afterAll(async () => {
    await keyed?.close();
  });

  const chat = (headers: Record<string, string>) =>
    fetch(`${keyed.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1 }) });

  it('refuses a call without the key with 401, as a caller bypassing the gateway would be', async () => {
    const res = await chat({});
    expect(res.status).toBe(401);
    expect(((await res.json()) as Loose).error.code).toBe('auth.invalid');
  });

  it('refuses a wrong key with 401', async () => {
    expect((await chat({ authorization: 'Bearer gateway-only-kex' })).status).toBe(401);
    expect((await fetch(`${keyed.baseURL}/models`, { headers: { authorization: 'Bearer local' } })).status).toBe(401);
  });

  it('serves a call that carries the key', async () => {
    const res = await chat({ authorization: 'Bearer gateway-only-key' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Loose).usage.completion_tokens).toBe(1);
  });
});

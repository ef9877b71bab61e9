import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible server that stands in for a remote paid provider in tests: it records
 * every request and answers with what the test scripts. Nothing else in the product is replaced.
 */
export type RecordedRequest = {
  method: string;
  path: string;
  /** Query parameters (e.g. Azure's `api-version`). */
  query: Record<string, string>;
  /** Lower-cased header names, as node gives them. */
  headers: Record<string, string | undefined>;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- whatever the client sent
  /** The parsed fields and files of a multipart/form-data body (e.g. an audio transcription). */
  form?: FormData;
};

/** An explicit HTTP answer; any other value returned by `respond` is sent as a 200 JSON body. */
export type ScriptedResponse = { status: number; body: unknown; headers?: Record<string, string> };

/** A 200 server-sent-events answer: each event is sent as one `data:` line (objects as JSON, strings as they are). */
export type ScriptedStream = { sse: unknown[]; headers?: Record<string, string> };

export type OpenAiTestServer = {
  /** e.g. `http://127.0.0.1:41234/v1`. */
  baseURL: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
};

export async function startOpenAiTestServer(opts: {
  respond: (req: RecordedRequest) => unknown;
}): Promise<OpenAiTestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, { status: 500, body: { error: { message: String(e), type: 'server_error', code: 'internal' } } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const text = raw.toString('utf8');
    let body: unknown = text;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text: a test may assert on a malformed request
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
    const url = new URL(req.url ?? '/', 'http://test');
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body };
    const contentType = headers['content-type'] ?? '';
    if (contentType.startsWith('multipart/form-data')) recorded.form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    requests.push(recorded);
    const answer = await opts.respond(recorded);
    if (isStream(answer)) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...answer.headers });
      for (const e of answer.sse) res.write(`data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`);
      res.end();
      return;
    }
    send(res, isScripted(answer) ? answer : { status: 200, body: answer });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Wraps assistant content (an object is serialised as JSON) as an OpenAI chat.completion answer. */
export function chatCompletion(
  content: unknown,
  opts: { model?: string; promptTokens?: number; completionTokens?: number; finishReason?: 'stop' | 'length' } = {},
) {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  const promptTokens = opts.promptTokens ?? 100;
  const completionTokens = opts.completionTokens ?? Math.max(1, Math.ceil(text.length / 4));
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: opts.model ?? 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: opts.finishReason ?? 'stop', logprobs: null }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** An OpenAI-style error answer, e.g. `openAiErrorResponse(503, 'overloaded')`. */
export function openAiErrorResponse(status: number, message: string, code = 'test_error'): ScriptedResponse {
  return { status, body: { error: { message, type: 'server_error', code } } };
}

/** OpenAI `chat.completion.chunk` events for `text` (one per word), then a usage chunk and `[DONE]`. */
export function chatCompletionChunks(text: string, opts: { model?: string; promptTokens?: number; completionTokens?: number } = {}): ScriptedStream {
  const id = `chatcmpl-${randomUUID()}`;
  const base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: opts.model ?? 'test-model' };
  const pieces = text.match(/\S+\s*/g) ?? [];
  const promptTokens = opts.promptTokens ?? 100;
  const completionTokens = opts.completionTokens ?? pieces.length;
  return {
    sse: [
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      ...pieces.map((p) => ({ ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })),
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { ...base, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } },
      '[DONE]',
    ],
  };
}

function isStream(v: unknown): v is ScriptedStream {
  return typeof v === 'object' && v !== null && Array.isArray((v as { sse?: unknown }).sse) && Object.keys(v).every((k) => ['sse', 'headers'].includes(k));
}

function isScripted(v: unknown): v is ScriptedResponse {
  return typeof v === 'object' && v !== null && 'status' in v && typeof (v as { status: unknown }).status === 'number' && 'body' in v && Object.keys(v).every((k) => ['status', 'body', 'headers'].includes(k));
}

function send(res: ServerResponse, answer: ScriptedResponse): void {
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(JSON.stringify(answer.body));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

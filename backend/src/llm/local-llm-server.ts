import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ChatHistoryItem } from 'node-llama-cpp';
import { AppError, isAppError } from '../../../app/contracts/errors';
import { ChatCompletionRequest, messageText, openAiError } from './chat-request';
import { LlamaEngine, type CompletionResult, type LlmLog } from './llama-engine';

export type LocalLlmServer = {
  /** e.g. `http://127.0.0.1:41234/v1`, ready for `createOpenAI({ baseURL })`. */
  baseURL: string;
  /** The id `/v1/models` lists and answers carry (the GGUF file name without extension). */
  modelId: string;
  loadMs: number;
  close(): Promise<void>;
};

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * A loopback-only OpenAI-compatible chat-completions endpoint over a local GGUF model, so the
 * pipeline talks to the embedded default exactly as it talks to a remote provider or the gateway.
 */
export async function startLocalLlmServer(opts: {
  modelPath: string;
  port?: number;
  host?: '127.0.0.1';
  contextSize?: number;
  threads?: number;
  modelId?: string;
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (401 otherwise), so only the gateway, which holds the key, can reach the model. */
  apiKey?: string;
  log?: LlmLog;
}): Promise<LocalLlmServer> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new AppError('config.invalid', 'the local LLM server binds to loopback only');
  const modelId = opts.modelId ?? path.basename(opts.modelPath).replace(/\.gguf$/i, '');
  const { engine, loadMs } = await LlamaEngine.load({ modelPath: opts.modelPath, contextSize: opts.contextSize ?? 8192, ...(opts.threads ? { threads: opts.threads } : {}), ...(opts.log ? { log: opts.log } : {}) });
  const created = Math.floor(Date.now() / 1000);

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => sendError(res, e, opts.log));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (opts.apiKey !== undefined && !hasBearer(req, opts.apiKey)) throw new AppError('auth.invalid', 'missing or wrong API key for the local LLM server');
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: [{ id: modelId, object: 'model', created, owned_by: 'local' }] });
    }
    if (req.method === 'POST' && url.pathname === '/v1/chat/completions') return chatCompletions(req, res);
    throw new AppError('request.not_found', `no route ${req.method} ${url.pathname}`);
  }

  async function chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = ChatCompletionRequest.safeParse(parseJson(await readBody(req)));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('request.invalid', `invalid chat completion request: ${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`, { status: 400 });
    }
    const body = parsed.data;
    const format = body.response_format;
    const jsonSchema = format?.type === 'json_schema' ? format.json_schema.schema : format?.type === 'json_object' ? { type: 'object' } : null;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const id = `chatcmpl-${randomUUID()}`;
    const stream = body.stream === true;
    const chunk = (delta: object, finish: string | null) => ({ id, object: 'chat.completion.chunk', created: now(), model: modelId, choices: [{ index: 0, delta, finish_reason: finish }] });
    let headersSent = false;
    const sse = (data: unknown) => {
      if (!headersSent) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }, null))}\n\n`);
        headersSent = true;
      }
      res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    };
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const result: CompletionResult = await engine.complete({
      history: toHistory(body.messages),
      jsonSchema,
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      temperature: body.temperature ?? 0,
      ...(body.top_p != null ? { topP: body.top_p } : {}),
      ...(body.seed != null ? { seed: body.seed } : {}),
      ...(body.stop != null ? { stop: typeof body.stop === 'string' ? [body.stop] : body.stop } : {}),
      signal: abort.signal,
      ...(stream ? { onText: (text: string) => sse(chunk({ content: text }, null)) } : {}),
    });
    const usage = { prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens, total_tokens: result.promptTokens + result.completionTokens };
    // Same shape as llama.cpp's server, so benchmarks can read prompt and generation speed.
    const timings = { prompt_n: result.promptTokens, prompt_ms: round(result.promptMs), predicted_n: result.completionTokens, predicted_ms: round(result.generationMs) };
    opts.log?.info({ id, ...timings, finish: result.finishReason, json: jsonSchema !== null }, 'chat completion');
    if (stream) {
      sse(chunk({}, result.finishReason));
      if (body.stream_options?.include_usage) sse({ id, object: 'chat.completion.chunk', created: now(), model: modelId, choices: [], usage });
      sse('[DONE]');
      res.end();
      return;
    }
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created: now(),
      model: modelId,
      choices: [{ index: 0, message: { role: 'assistant', content: result.text }, finish_reason: result.finishReason, logprobs: null }],
      usage,
      timings,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://${host}:${port}/v1`,
    modelId,
    loadMs,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await engine.close();
    },
  };
}

function hasBearer(req: IncomingMessage, key: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

function toHistory(messages: ChatCompletionRequest['messages']): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem => {
    const text = messageText(m);
    if (m.role === 'system' || m.role === 'developer') return { type: 'system', text };
    if (m.role === 'user') return { type: 'user', text };
    return { type: 'model', response: [text] };
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AppError('request.invalid', `request body over ${MAX_BODY_BYTES} bytes`, { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('request.invalid', 'request body is not valid JSON', { status: 400 });
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, e: unknown, log?: LlmLog): void {
  const err = isAppError(e) ? e : new AppError('internal', 'local LLM failed', { cause: e });
  if (err.code === 'internal') log?.warn({ err: String(e) }, 'local LLM request failed');
  if (res.headersSent) {
    // Mid-stream failure: the client sees a truncated SSE stream and must treat it as an error.
    res.destroy();
    return;
  }
  sendJson(res, err.status, openAiError(err.code, err.message));
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

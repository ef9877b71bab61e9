import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest } from './openai-test-server';

/**
 * A local server speaking Anthropic's Messages wire format (POST /v1/messages, `x-api-key`,
 * `anthropic-version`, named SSE events), standing in for the paid API in tests. It records every
 * request; like the real API it refuses a request without the two headers.
 */

/** A JSON answer with a status, or a stream of named events. Anything else is sent as a 200 JSON body. */
export type AnthropicScripted = { status: number; body: unknown; headers?: Record<string, string> } | { events: Array<{ event: string; data: unknown }> };

export type AnthropicTestServer = {
  /** The origin, e.g. http://127.0.0.1:41234 (the provider appends /v1/messages). */
  baseURL: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
};

export async function startAnthropicTestServer(opts: { respond: (req: RecordedRequest) => unknown }): Promise<AnthropicTestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => sendJson(res, 500, anthropicError('api_error', String(e))));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text
    }
    const url = new URL(req.url ?? '/', 'http://test');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body };
    requests.push(recorded);
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') return sendJson(res, 404, anthropicError('not_found_error', `no route ${req.method} ${url.pathname}`));
    if (!headers['x-api-key']) return sendJson(res, 401, anthropicError('authentication_error', 'x-api-key header is required'));
    if (!headers['anthropic-version']) return sendJson(res, 400, anthropicError('invalid_request_error', 'anthropic-version header is required'));
    const answer = (await opts.respond(recorded)) as Partial<{ events: Array<{ event: string; data: unknown }>; status: number; body: unknown; headers: Record<string, string> }>;
    if (Array.isArray(answer.events)) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const e of answer.events) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
      res.end();
      return;
    }
    if (typeof answer.status === 'number' && 'body' in answer) return sendJson(res, answer.status, answer.body, answer.headers);
    sendJson(res, 200, answer);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Usage = { inputTokens?: number; outputTokens?: number };

/** An Anthropic `message` answer with text content, or a tool_use block when `toolInput` is given. */
export function anthropicMessage(content: string | { toolInput: unknown; toolName?: string }, opts: Usage & { model?: string; stopReason?: string } = {}) {
  const block = typeof content === 'string' ? { type: 'text', text: content } : { type: 'tool_use', id: `toolu_${randomUUID()}`, name: content.toolName ?? 'structured_answer', input: content.toolInput };
  return {
    id: `msg_${randomUUID()}`,
    type: 'message',
    role: 'assistant',
    model: opts.model ?? 'claude-test',
    content: [block],
    stop_reason: opts.stopReason ?? (typeof content === 'string' ? 'end_turn' : 'tool_use'),
    stop_sequence: null,
    usage: { input_tokens: opts.inputTokens ?? 50, output_tokens: opts.outputTokens ?? 10 },
  };
}

/** The event sequence Anthropic streams for a text answer, one delta per word. */
export function anthropicTextStream(text: string, opts: Usage & { model?: string; stopReason?: string } = {}): { events: Array<{ event: string; data: unknown }> } {
  const id = `msg_${randomUUID()}`;
  const pieces = text.match(/\S+\s*/g) ?? [];
  return {
    events: [
      { event: 'message_start', data: { type: 'message_start', message: { id, type: 'message', role: 'assistant', model: opts.model ?? 'claude-test', content: [], stop_reason: null, usage: { input_tokens: opts.inputTokens ?? 50, output_tokens: 1 } } } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'ping', data: { type: 'ping' } },
      ...pieces.map((p) => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } } })),
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: opts.stopReason ?? 'end_turn', stop_sequence: null }, usage: { output_tokens: opts.outputTokens ?? pieces.length } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ],
  };
}

export function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

/** An error answer as Anthropic sends it, e.g. `anthropicErrorResponse(529, 'overloaded_error')`. */
export function anthropicErrorResponse(status: number, type: string, message = type, headers?: Record<string, string>) {
  return { status, body: anthropicError(type, message), ...(headers ? { headers } : {}) };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

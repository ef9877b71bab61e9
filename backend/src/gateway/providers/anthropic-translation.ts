import type { ChatBody, ChatChunk, TokenUsage } from '../gateway-contracts';

/**
 * OpenAI chat-completions ⇄ Anthropic Messages. Structured output (`response_format`
 * json_schema / json_object) becomes ONE forced tool call whose input_schema is the schema:
 * Anthropic constrains tool input to its schema, whereas "instruct + prefill `{`" only asks
 * nicely. The tool's input is handed back as the assistant's JSON content, so callers see
 * exactly what OpenAI structured output gives them.
 */

export const STRUCTURED_TOOL = 'structured_answer';
const DEFAULT_MAX_TOKENS = 4096;

export class TranslationError extends Error {}

type OpenAiPart = { type?: string; text?: string };
type OpenAiMessage = { role?: string; content?: string | OpenAiPart[] | null };

export function toAnthropicRequest(body: ChatBody, stream: boolean): { request: Record<string, unknown>; structured: boolean } {
  const system: string[] = [];
  const messages: Array<{ role: 'user' | 'assistant'; content: Array<{ type: 'text'; text: string }> }> = [];
  for (const raw of body.messages as OpenAiMessage[]) {
    const text = contentText(raw.content);
    if (raw.role === 'system' || raw.role === 'developer') {
      system.push(text);
    } else if (raw.role === 'user' || raw.role === 'assistant') {
      if (text === '') continue; // Anthropic refuses empty text blocks
      messages.push({ role: raw.role, content: [{ type: 'text', text }] });
    } else {
      throw new TranslationError(`message role ${String(raw.role)} (tools) is not supported for Anthropic by this gateway`);
    }
  }
  const request: Record<string, unknown> = {
    model: body.model,
    max_tokens: num(body.max_tokens) ?? num(body.max_completion_tokens) ?? DEFAULT_MAX_TOKENS,
    messages,
    ...(system.length ? { system: system.join('\n\n') } : {}),
    ...(stream ? { stream: true } : {}),
  };
  const temperature = num(body.temperature);
  // OpenAI's range is 0–2, Anthropic's 0–1.
  if (temperature !== undefined) request.temperature = Math.min(1, Math.max(0, temperature));
  const topP = num(body.top_p);
  if (topP !== undefined) request.top_p = topP;
  if (typeof body.stop === 'string') request.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length) request.stop_sequences = body.stop;

  const schema = structuredSchema(body.response_format);
  if (schema) {
    request.tools = [{ name: STRUCTURED_TOOL, description: schema.description ?? 'Give the answer in this structure.', input_schema: schema.schema }];
    request.tool_choice = { type: 'tool', name: STRUCTURED_TOOL };
  }
  return { request, structured: schema !== null };
}

/** An Anthropic `message` → OpenAI `chat.completion`. */
export function fromAnthropicMessage(msg: Record<string, unknown>, structured: boolean): { body: Record<string, unknown> & { choices: unknown[] }; usage: TokenUsage } {
  const blocks = Array.isArray(msg.content) ? (msg.content as Array<{ type?: string; text?: string; input?: unknown }>) : [];
  const tool = structured ? blocks.find((b) => b.type === 'tool_use') : undefined;
  const content = tool ? JSON.stringify(tool.input ?? {}) : blocks.filter((b) => b.type === 'text').map((b) => b.text ?? '').join('');
  const usage = anthropicUsage(msg.usage);
  return {
    body: {
      id: typeof msg.id === 'string' ? msg.id : 'msg',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: typeof msg.model === 'string' ? msg.model : '',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason(msg.stop_reason, structured), logprobs: null }],
      usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens },
    },
    usage,
  };
}

/** Turns Anthropic stream events into OpenAI chunks; the last chunk (message_stop) carries usage. */
export class AnthropicStreamTranslator {
  private id = 'msg';
  private model = '';
  private readonly created = Math.floor(Date.now() / 1000);
  private promptTokens = 0;
  private completionTokens = 0;

  constructor(private readonly structured: boolean) {}

  /** Zero or one chunk per event; `error` events are returned for the caller to throw. */
  translate(event: Record<string, unknown>): { chunk?: ChatChunk; error?: { type: string; message: string }; done?: boolean } {
    switch (event.type) {
      case 'message_start': {
        const msg = (event.message ?? {}) as Record<string, unknown>;
        if (typeof msg.id === 'string') this.id = msg.id;
        if (typeof msg.model === 'string') this.model = msg.model;
        const u = anthropicUsage(msg.usage);
        this.promptTokens = u.promptTokens;
        this.completionTokens = u.completionTokens;
        return { chunk: this.chunk({ role: 'assistant', content: '' }, null) };
      }
      case 'content_block_delta': {
        const delta = (event.delta ?? {}) as { type?: string; text?: string; partial_json?: string };
        if (delta.type === 'text_delta' && delta.text) return { chunk: this.chunk({ content: delta.text }, null) };
        if (delta.type === 'input_json_delta' && this.structured && delta.partial_json) return { chunk: this.chunk({ content: delta.partial_json }, null) };
        return {};
      }
      case 'message_delta': {
        const u = (event.usage ?? {}) as { output_tokens?: unknown; input_tokens?: unknown };
        // message_delta usage is cumulative.
        if (typeof u.output_tokens === 'number') this.completionTokens = u.output_tokens;
        if (typeof u.input_tokens === 'number') this.promptTokens = Math.max(this.promptTokens, u.input_tokens);
        const stop = ((event.delta ?? {}) as { stop_reason?: unknown }).stop_reason;
        return { chunk: this.chunk({}, finishReason(stop, this.structured)) };
      }
      case 'message_stop':
        return {
          chunk: { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: { prompt_tokens: this.promptTokens, completion_tokens: this.completionTokens } },
          done: true,
        };
      case 'error': {
        const err = (event.error ?? {}) as { type?: unknown; message?: unknown };
        return { error: { type: String(err.type ?? 'error'), message: String(err.message ?? 'stream error') } };
      }
      default:
        return {}; // ping, content_block_start/stop
    }
  }

  private chunk(delta: object, finish: string | null): ChatChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }
}

function anthropicUsage(raw: unknown): TokenUsage {
  const u = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const n = (k: string) => (typeof u[k] === 'number' ? (u[k] as number) : 0);
  // Cached prompt tokens are still prompt tokens for budgeting.
  return { promptTokens: n('input_tokens') + n('cache_creation_input_tokens') + n('cache_read_input_tokens'), completionTokens: n('output_tokens') };
}

function finishReason(stop: unknown, structured: boolean): string | null {
  if (stop === 'max_tokens') return 'length';
  if (stop === 'tool_use') return structured ? 'stop' : 'tool_calls';
  if (stop === 'end_turn' || stop === 'stop_sequence' || stop === 'pause_turn') return 'stop';
  if (stop === 'refusal') return 'content_filter';
  return stop == null ? null : 'stop';
}

function structuredSchema(format: unknown): { schema: Record<string, unknown>; description?: string } | null {
  if (typeof format !== 'object' || format === null) return null;
  const f = format as { type?: string; json_schema?: { schema?: Record<string, unknown>; description?: string } };
  if (f.type === 'json_schema' && f.json_schema?.schema) {
    return { schema: f.json_schema.schema, ...(f.json_schema.description ? { description: f.json_schema.description } : {}) };
  }
  if (f.type === 'json_object') return { schema: { type: 'object' } };
  return null;
}

function contentText(content: OpenAiMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => {
      if (p.type === 'text') return p.text ?? '';
      throw new TranslationError(`content part ${String(p.type)} is not supported for Anthropic by this gateway`);
    })
    .join('');
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

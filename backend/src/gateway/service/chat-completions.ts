import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RedactionState } from '../../../../app/redaction/redaction';
import { ChatCompletionRequest, type ChatMessage } from '../../llm/chat-request';
import type { ChatAnswer, ChatBody, ChatChunk, TokenUsage } from '../gateway-contracts';
import { sha256Hex } from '../gateway-audit';
import { chatCost, worstCase } from './call-pricing';
import { readCallHeaders } from './call-headers';
import { invalid, sendJson, toGatewayError } from './gateway-error';
import { admit, beginCall, failCall, finishCall, type Admission, type GatewayRuntime, type IdempotencyStart, type Reservation, type StoredAnswer } from './governed-call';
import { readJsonBody } from './json-body';
import { redactMessages } from './message-redaction';
import { createStreamRestorer, restoreAnswerText } from './placeholder-restore';
import { estimatePromptTokens, estimateTextTokens } from './prompt-tokens';
import { sendStored } from './stored-answer';
import { createCallStages, type CallStages } from './call-stages';
import { AppError } from '../../../../app/contracts/errors';

/** POST /v1/chat/completions: the whole governed pipeline for one chat call (see gateway-server.ts). */
export async function chatCompletions(rt: GatewayRuntime, req: IncomingMessage, res: ServerResponse, abort: AbortSignal): Promise<void> {
  const started = performance.now();
  const stages = createCallStages(started, rt.onCallStages, '/v1/chat/completions');
  const caller = await rt.auth.authenticate(req.headers.authorization);
  const headers = readCallHeaders(req.headers, caller);
  stages.mark('auth');
  const parsed = ChatCompletionRequest.safeParse(await readJsonBody(req, rt.limits.maxBodyBytes));
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  const body = parsed.data;
  if (!body.model) throw invalid('model is required', { param: 'model' });
  const asked = body.max_tokens ?? body.max_completion_tokens ?? null;
  stages.mark('body');

  const a = await admit(rt, { started, caller, headers, kind: 'chat', model: body.model, maxTokens: asked, stages });
  const maxTokens = asked === null ? a.decision.maxTokens : Math.min(asked, a.decision.maxTokens);
  const promptTokens = estimatePromptTokens(body.messages);
  const worst = worstCase(a.allowed, (t) => chatCost(rt.prices, rt.router, t, { promptTokens, completionTokens: maxTokens }));
  if (worst.priced.length === 0) throw new AppError('config.invalid', `No price for any provider of ${body.model} in price table ${rt.prices.version}`, { status: 500 });
  const begun = await beginCall(rt, a, { path: '/v1/chat/completions', body }, worst.micros);
  stages.mark('reserve');
  if (begun.state === 'replay') return sendStored(res, begun.answer);
  const { idem, reservation } = begun;

  const redaction = a.decision.redact ? redactMessages(body.messages, { participants: a.ctx.participants }) : null;
  const messages: ChatMessage[] = redaction?.messages ?? body.messages;
  const { model: _model, max_completion_tokens: _mct, stream: _stream, stream_options: _so, ...rest } = body;
  const upstream: ChatBody = { ...stripNulls(rest), model: '', messages, max_tokens: maxTokens };
  const call = {
    a,
    reservation,
    idem,
    state: redaction?.state ?? null,
    counts: redaction?.counts ?? {},
    promptSha256: sha256Hex(JSON.stringify(messages)),
    json: body.response_format?.type === 'json_object' || body.response_format?.type === 'json_schema',
    stages,
  };
  stages.mark('redact');
  if (body.stream === true) return streamChat(rt, res, abort, call, upstream, worst.priced, body.stream_options?.include_usage === true, estimatePromptTokens(messages));
  return plainChat(rt, res, abort, call, upstream, worst.priced);
}

interface ChatCall {
  a: Admission;
  reservation: Reservation;
  idem: IdempotencyStart;
  state: RedactionState | null;
  counts: Record<string, number>;
  promptSha256: string;
  json: boolean;
  stages: CallStages;
}

function stripNulls(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
}

function responseHeaders(c: ChatCall, providerId: string, costMicros: number): Record<string, string> {
  const counts = Object.entries(c.counts).map(([k, n]) => `${k}=${n}`).join(',');
  return { ...c.reservation.headers, 'x-fe-provider': providerId, 'x-fe-cost-micros': String(costMicros), 'x-fe-policy-version': c.a.decision.version, ...(counts ? { 'x-fe-redactions': counts } : {}) };
}

async function plainChat(rt: GatewayRuntime, res: ServerResponse, abort: AbortSignal, c: ChatCall, upstream: ChatBody, targets: Admission['allowed']): Promise<void> {
  let r: { value: ChatAnswer; providerId: string; upstreamModel: string };
  try {
    r = await rt.router.run(targets, (p, model, signal) => p.chat({ ...upstream, model }, AbortSignal.any([signal, abort])));
  } catch (e) {
    const err = toGatewayError(e);
    await failCall(rt, c.a, c.reservation, c.idem, err, { redactionCounts: c.counts, promptSha256: c.promptSha256 });
    throw err;
  }
  c.stages.mark('upstream');
  const usage = r.value.usage;
  const costMicros = chatCost(rt.prices, rt.router, { providerId: r.providerId, upstreamModel: r.upstreamModel }, usage);
  const choices = r.value.body.choices as Array<{ message?: { content?: unknown } }>;
  const received = choices.map((ch) => (typeof ch.message?.content === 'string' ? ch.message.content : '')).join('\n');
  const out = {
    ...r.value.body,
    model: c.a.model,
    choices: choices.map((ch) =>
      c.state && typeof ch.message?.content === 'string' ? { ...ch, message: { ...ch.message, content: restoreAnswerText(ch.message.content, c.state, c.a.decision.restoreKinds) } } : ch,
    ),
  };
  const headers = responseHeaders(c, r.providerId, costMicros);
  c.stages.mark('restore');
  await finishCall(rt, c.a, c.reservation, c.idem, outcomeOf(c, r.providerId, usage, costMicros, received), { kind: 'json', body: out, headers });
  c.stages.mark('finish');
  sendJson(res, 200, out, headers);
  c.stages.mark('respond');
  c.stages.done();
}

function outcomeOf(c: ChatCall, providerId: string, usage: TokenUsage, costMicros: number, received: string) {
  return { providerId, tokensIn: usage.promptTokens, tokensOut: usage.completionTokens, costMicros, redactionCounts: c.counts, promptSha256: c.promptSha256, responseSha256: sha256Hex(received) };
}

/**
 * Server-sent events. The first chunk is fetched inside router.run, so a provider that fails before
 * answering is retried or replaced by the next target and the caller still gets a JSON error.
 * After the first byte an upstream failure ends the stream with an error event; what was streamed
 * is settled (it was generated, so it is billed) rather than released.
 */
async function streamChat(rt: GatewayRuntime, res: ServerResponse, abort: AbortSignal, c: ChatCall, upstream: ChatBody, targets: Admission['allowed'], callerWantsUsage: boolean, promptEstimate: number): Promise<void> {
  type Started = { it: AsyncIterator<ChatChunk>; first: IteratorResult<ChatChunk> };
  let r: { value: Started; providerId: string; upstreamModel: string };
  try {
    r = await rt.router.run(targets, async (p, model, signal): Promise<Started> => {
      const it = p.chatStream({ ...upstream, model, stream: true, stream_options: { include_usage: true } }, AbortSignal.any([signal, abort]))[Symbol.asyncIterator]();
      return { it, first: await it.next() };
    });
  } catch (e) {
    const err = toGatewayError(e);
    await failCall(rt, c.a, c.reservation, c.idem, err, { redactionCounts: c.counts, promptSha256: c.promptSha256 });
    throw err;
  }
  const target = { providerId: r.providerId, upstreamModel: r.upstreamModel };
  const headers = { ...c.reservation.headers, 'x-fe-provider': r.providerId, 'x-fe-policy-version': c.a.decision.version };
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  const restorers = new Map<number, ReturnType<typeof createStreamRestorer>>();
  const restorerOf = (i: number) => {
    let s = restorers.get(i);
    if (!s) restorers.set(i, (s = c.state ? createStreamRestorer(c.state, c.a.decision.restoreKinds, c.json) : { push: (t: string) => t, flush: () => '' }));
    return s;
  };
  const emitted: ChatChunk[] = [];
  const emit = (chunk: ChatChunk) => {
    emitted.push(chunk);
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  };
  let received = '';
  let usage: TokenUsage | null = null;
  let failure: AppError | null = null;
  let last: ChatChunk | null = null;
  try {
    for (let step = r.value.first; !step.done; step = await r.value.it.next()) {
      const chunk = step.value;
      last = chunk;
      if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      const choices = (chunk.choices as Array<{ index?: number; delta?: { content?: unknown }; finish_reason?: unknown }>).map((ch) => {
        const text = typeof ch.delta?.content === 'string' ? ch.delta.content : null;
        if (text === null && !ch.finish_reason) return ch;
        if (text !== null) received += text;
        const s = restorerOf(ch.index ?? 0);
        const out = (text === null ? '' : s.push(text)) + (ch.finish_reason ? s.flush() : '');
        return text === null && out === '' ? ch : { ...ch, delta: { ...ch.delta, content: out } };
      });
      const { usage: chunkUsage, ...withoutUsage } = chunk;
      if (choices.length === 0 && chunkUsage && !callerWantsUsage) continue;
      emit({ ...(callerWantsUsage ? chunk : withoutUsage), model: c.a.model, choices });
    }
    for (const [index, s] of restorers) {
      const rest = s.flush();
      if (rest) emit({ id: last?.id, object: 'chat.completion.chunk', created: last?.created, model: c.a.model, choices: [{ index, delta: { content: rest }, finish_reason: null }] });
    }
  } catch (e) {
    failure = abort.aborted ? new AppError('upstream.unavailable', 'The caller closed the connection', { status: 499 }) : toGatewayError(e);
  }
  const actual = usage ?? { promptTokens: promptEstimate, completionTokens: estimateTextTokens(received) };
  const costMicros = chatCost(rt.prices, rt.router, target, actual);
  const outcome = outcomeOf(c, r.providerId, actual, costMicros, received);
  if (failure) {
    await finishCall(rt, c.a, c.reservation, c.idem, outcome, null, abort.aborted ? 'client.closed' : failure.code);
    if (!res.destroyed) res.end(`data: ${JSON.stringify({ error: { message: failure.message, type: 'server_error', code: failure.code, param: null } })}\n\n`);
    return;
  }
  const stored: StoredAnswer = { kind: 'sse', body: emitted, headers };
  await finishCall(rt, c.a, c.reservation, c.idem, outcome, stored);
  res.end('data: [DONE]\n\n');
}

import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, jsonSchema, NoObjectGeneratedError, Output, RetryError, type FlexibleSchema } from 'ai';
import { Agent, fetch as undiciFetch } from 'undici';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../../../app/contracts/errors';

export type AnalysisUsage = { inputTokens: number; outputTokens: number };

/** Prompt and generation time as the local model server reports them (llama.cpp's `timings`); absent for other providers. */
export type ModelTimings = { promptN: number; promptMs: number; predictedN: number; predictedMs: number };

/**
 * A local model on a busy 2-core machine can take longer than fetch's 300 s to send the first byte
 * of a long prompt's answer; the AI SDK then retried, and the retry started the prompt over. The
 * caller's abort signal (the activity's heartbeat and cancellation) bounds a call instead.
 */
const patientAgent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
const patientFetch = ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: patientAgent })) as unknown as typeof fetch;

/** Fixed so that the same transcript, rubric and model give the same answer where the provider honours it. */
export const DEFAULT_ANALYSIS_SEED = 20_240_601;

/**
 * One structured-output call to any OpenAI-compatible chat-completions endpoint (the governance
 * gateway, a provider, or the local model server). The caller owns the prompt and the schema
 * (ModelAnalysis or a per-section narrowing of it).
 */
export async function analyzeWithModel<S extends z.ZodType>(opts: {
  baseURL: string;
  apiKey: string;
  model: string;
  system: string;
  user: string;
  schema: S;
  /**
   * The JSON schema sent to the model, when it is stricter than `schema` (unit ids and codes as
   * enums for the local grammar): the answer is still validated by the lenient `schema`, so a
   * remote model that breaks the strict one is checked afterwards instead of refused outright.
   */
  sentSchema?: Record<string, unknown>;
  /** response_format.json_schema.name. */
  schemaName?: string;
  /** Sent as `Idempotency-Key`: the gateway answers a retried activity from its record instead of charging again. */
  idempotencyKey: string;
  headers?: Record<string, string>;
  maxOutputTokens?: number;
  temperature?: number;
  seed?: number;
  /** Retries inside this call (same idempotency key); Temporal retries the activity on top. Default 1. */
  maxRetries?: number;
  /**
   * OpenAI's strict structured outputs demand every property be required; ModelAnalysis has
   * defaulted (optional) fields, so strict is off unless asked for.
   */
  strictJsonSchema?: boolean;
  abortSignal?: AbortSignal;
}): Promise<{ object: z.output<S>; usage: AnalysisUsage; model: string; timings: ModelTimings | null }> {
  const provider = createOpenAI({ baseURL: opts.baseURL, apiKey: opts.apiKey, name: 'analysis', fetch: patientFetch });
  let result;
  try {
    result = await generateText({
      model: provider.chat(opts.model),
      system: opts.system,
      prompt: opts.user,
      output: Output.object({ schema: outputSchema(opts.schema, opts.sentSchema), ...(opts.schemaName ? { name: opts.schemaName } : {}) }),
      temperature: opts.temperature ?? 0,
      seed: opts.seed ?? DEFAULT_ANALYSIS_SEED,
      maxRetries: opts.maxRetries ?? 1,
      headers: { ...opts.headers, 'Idempotency-Key': opts.idempotencyKey },
      providerOptions: { openai: { strictJsonSchema: opts.strictJsonSchema ?? false } },
      ...(opts.maxOutputTokens !== undefined ? { maxOutputTokens: opts.maxOutputTokens } : {}),
      ...(opts.abortSignal ? { abortSignal: opts.abortSignal } : {}),
    });
  } catch (e) {
    if (NoObjectGeneratedError.isInstance(e)) {
      const repaired = await repair(e.text, opts.schema);
      if (repaired.ok) {
        return { object: repaired.value, usage: toUsage(e.usage), model: e.response?.modelId ?? opts.model, timings: null };
      }
      throw new AppError('analysis.invalid_output', 'the model did not return an analysis matching the schema', {
        cause: e,
        details: { rawText: e.text ?? null, finishReason: e.finishReason ?? null, problems: repaired.problems },
      });
    }
    throw toAppError(e, opts.baseURL);
  }
  return { object: result.output as z.output<S>, usage: toUsage(result.usage), model: result.response.modelId, timings: timingsOf(result.response.body) };
}

function outputSchema<S extends z.ZodType>(schema: S, sent: Record<string, unknown> | undefined): FlexibleSchema<z.output<S>> {
  if (!sent) return schema as unknown as FlexibleSchema<z.output<S>>;
  return jsonSchema<z.output<S>>(sent, {
    validate: async (value) => {
      const parsed = await schema.safeParseAsync(value);
      return parsed.success ? { success: true, value: parsed.data } : { success: false, error: parsed.error };
    },
  });
}

function timingsOf(body: unknown): ModelTimings | null {
  const t = (body as { timings?: { prompt_n?: unknown; prompt_ms?: unknown; predicted_n?: unknown; predicted_ms?: unknown } } | undefined)?.timings;
  if (!t || typeof t.prompt_ms !== 'number') return null;
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return { promptN: n(t.prompt_n), promptMs: t.prompt_ms, predictedN: n(t.predicted_n), predictedMs: n(t.predicted_ms) };
}

type Repaired<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * Small models often wrap JSON in a code fence or add a sentence around it: take the outermost
 * object and validate it again. Anything still not matching the schema is reported, never guessed.
 */
async function repair<S extends z.ZodType>(text: string | undefined, schema: S): Promise<Repaired<z.output<S>>> {
  if (!text) return { ok: false, problems: ['empty output'] };
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return { ok: false, problems: ['no JSON object in the output'] };
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch (e) {
    return { ok: false, problems: [`not JSON: ${(e as Error).message}`] };
  }
  const parsed = await schema.safeParseAsync(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
}

function toUsage(u: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined): AnalysisUsage {
  return { inputTokens: u?.inputTokens ?? 0, outputTokens: u?.outputTokens ?? 0 };
}

function toAppError(e: unknown, baseURL: string): unknown {
  if (e instanceof AppError) return e;
  const last = RetryError.isInstance(e) ? e.lastError : e;
  if (APICallError.isInstance(last)) {
    const status = last.statusCode;
    if (status === undefined || status >= 500 || status === 429 || status === 408) {
      return new AppError('llm.unavailable', `LLM endpoint ${baseURL} unavailable${status ? ` (HTTP ${status})` : ''}: ${last.message}`, {
        cause: e,
        details: { status: status ?? null, url: last.url },
      });
    }
    // A gateway in front of the provider answers with our own stable codes (e.g. a budget refusal): keep them.
    const code = ErrorCode.safeParse(errorCodeOf(last.responseBody));
    return new AppError(code.success ? code.data : 'evaluation.failed', `LLM endpoint refused the analysis request (HTTP ${status}): ${last.message}`, {
      cause: e,
      status: code.success ? status : 502,
      details: { status, url: last.url, responseBody: last.responseBody?.slice(0, 2000) ?? null },
    });
  }
  if (isAbort(e)) return e;
  return new AppError('llm.unavailable', `LLM call to ${baseURL} failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

function errorCodeOf(body: string | undefined): unknown {
  try {
    return (JSON.parse(body ?? '') as { error?: { code?: unknown } }).error?.code;
  } catch {
    return undefined;
  }
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError');
}

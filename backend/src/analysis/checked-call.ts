import type { z } from 'zod';
import { isAppError } from '../../../app/contracts/errors';
import type { JsonSchema } from '../../../app/rubric/answer-schemas';
import type { Degenerate } from '../../../app/rubric/degenerate-output';
import { TASK_MARKER, type CallPrompt } from '../../../app/rubric/unit-prompt';
import { analyzeWithModel, DEFAULT_ANALYSIS_SEED } from '../llm/rubric-analysis';
import type { CallRecord, LlmEndpoint, StepResult } from './llm-endpoint';

/** First try greedy and seeded; the one retry after a degenerate answer samples differently. */
export const SAMPLING = [
  { temperature: 0, seed: DEFAULT_ANALYSIS_SEED },
  { temperature: 0.6, seed: DEFAULT_ANALYSIS_SEED + 7919 },
] as const;

export interface CheckedCall<T> {
  llm: LlmEndpoint;
  prompt: CallPrompt;
  /** Strict schema sent to the model (enums of ids); `parse` checks the answer leniently. */
  sentSchema: JsonSchema;
  schemaName: string;
  parse: z.ZodType<T>;
  /** The degenerate-output detector for this kind of answer; null = fine. */
  check: (answer: T, ctx: { instructions: string }) => Degenerate | null;
  /** Applied to a well-formed answer before the check (e.g. repeated narrative points removed); the repaired answer is the one kept. */
  repair?: ((answer: T, ctx: { instructions: string }) => T) | undefined;
  /** Per attempt `<key>:try1`, `<key>:try2`: the gateway answers a repeated attempt from its record. */
  idempotencyKey: string;
  maxOutputTokens: number;
  step: string;
  onCall?: ((c: CallRecord) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** The instruction text of a prompt without the transcript: what a copied answer would be copied from. */
export function instructionsOf(prompt: CallPrompt): string {
  const at = prompt.user.lastIndexOf(TASK_MARKER);
  // Transcript lines repeated in the task (the units an item is shown with) are what was said, not instructions: quoting them is not copying.
  const task = at >= 0 ? prompt.user.slice(at + TASK_MARKER.length).replace(/^- u\d+ \[\d+:\d\d\] .*$/gm, '') : '';
  return `${prompt.system}\n${task}`;
}

/**
 * One structured call, checked by the detector; a degenerate or malformed answer is retried once
 * with different sampling, and if that fails too the step fails with the reason (the report says
 * "analysis failed"), never with the junk. Transport and policy errors are thrown: the activity's
 * retry policy handles them.
 */
export async function checkedCall<T>(c: CheckedCall<T>): Promise<StepResult<T>> {
  const usage = { calls: 0, retries: 0, promptTokens: 0, completionTokens: 0 };
  const instructions = instructionsOf(c.prompt);
  const reasons: string[] = [];
  let model = c.llm.model;
  for (const [i, sampling] of SAMPLING.entries()) {
    const started = performance.now();
    usage.calls += 1;
    if (i > 0) usage.retries += 1;
    let refused: string | null = null;
    let final = false;
    let answer: T | undefined;
    let record: Omit<CallRecord, 'refused' | 'wallMs'> = { step: c.step, attempt: i + 1, promptTokens: 0, completionTokens: 0, timings: null };
    try {
      const r = await analyzeWithModel({
        baseURL: c.llm.baseURL,
        apiKey: c.llm.apiKey,
        model: c.llm.model,
        system: c.prompt.system,
        user: c.prompt.user,
        schema: c.parse,
        sentSchema: c.sentSchema,
        schemaName: c.schemaName,
        idempotencyKey: `${c.idempotencyKey}:try${i + 1}`,
        ...(c.llm.headers ? { headers: c.llm.headers } : {}),
        maxOutputTokens: c.maxOutputTokens,
        temperature: sampling.temperature,
        seed: sampling.seed,
        ...(c.signal ? { abortSignal: c.signal } : {}),
      });
      model = r.model;
      usage.promptTokens += r.usage.inputTokens;
      usage.completionTokens += r.usage.outputTokens;
      record = { ...record, promptTokens: r.usage.inputTokens, completionTokens: r.usage.outputTokens, timings: r.timings };
      answer = c.repair ? c.repair(r.object, { instructions }) : r.object;
      const bad = c.check(answer, { instructions });
      refused = bad?.reason ?? null;
      final = bad?.final ?? false;
    } catch (e) {
      if (!isAppError(e) || e.code !== 'analysis.invalid_output') throw e;
      refused = 'the answer did not follow the required format';
    }
    c.onCall?.({ ...record, wallMs: Math.round(performance.now() - started), refused });
    if (refused === null && answer !== undefined) return { outcome: { ok: true, answer }, attempts: i + 1, usage, model };
    reasons.push(refused ?? 'no answer');
    // A refusal that other sampling cannot mend and that the caller has a fallback for: no retry.
    if (final) break;
  }
  const [first, second] = reasons;
  const reason = second === undefined ? first! : first === second ? `${second}, again after a retry` : `${second} (and before the retry: ${first})`;
  return { outcome: { ok: false, reason }, attempts: reasons.length, usage, model };
}

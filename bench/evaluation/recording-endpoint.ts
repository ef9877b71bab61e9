import type { LlmEndpoint } from '../../backend/src/analysis/llm-endpoint';
import { startOpenAiTestServer } from '../../backend/src/testing/openai-test-server';

/** One model call as the bench stores it: enough to replay it as a test fixture. */
export interface RecordedCall {
  /** The response_format schema name (`unit_codes`, `section_<id>`, `narrative`). */
  schema: string;
  /** The assistant message exactly as the model wrote it. */
  content: string;
  wallMs: number;
  promptTokens: number;
  completionTokens: number;
  temperature: number | null;
}

/**
 * A loopback pass-through in front of an OpenAI-compatible endpoint that keeps every answer, so the
 * bench can store the raw model output of each analysis. Calls go through unchanged (non-streaming
 * only; the analysis never streams).
 */
export async function startRecordingEndpoint(upstream: LlmEndpoint): Promise<{ endpoint: LlmEndpoint; take(): RecordedCall[]; close(): Promise<void> }> {
  let calls: RecordedCall[] = [];
  const origin = new URL(upstream.baseURL).origin;
  const server = await startOpenAiTestServer({
    respond: async (req) => {
      if (req.body?.stream) throw new Error('the recording endpoint does not pass streams through');
      const t0 = performance.now();
      const res = await fetch(`${origin}${req.path}`, {
        method: req.method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${upstream.apiKey}` },
        ...(req.method === 'GET' ? {} : { body: JSON.stringify(req.body) }),
      });
      const body = (await res.json()) as { choices?: { message?: { content?: string } }[]; usage?: { prompt_tokens?: number; completion_tokens?: number } };
      if (req.path.endsWith('/chat/completions') && res.ok) {
        calls.push({
          schema: String(req.body?.response_format?.json_schema?.name ?? ''),
          content: body.choices?.[0]?.message?.content ?? '',
          wallMs: Math.round(performance.now() - t0),
          promptTokens: body.usage?.prompt_tokens ?? 0,
          completionTokens: body.usage?.completion_tokens ?? 0,
          temperature: typeof req.body?.temperature === 'number' ? req.body.temperature : null,
        });
      }
      return { status: res.status, body };
    },
  });
  return {
    endpoint: { ...upstream, baseURL: server.baseURL },
    take() {
      const out = calls;
      calls = [];
      return out;
    },
    close: () => server.close(),
  };
}

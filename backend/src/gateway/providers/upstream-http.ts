import { UpstreamError } from '../gateway-contracts';

/**
 * The HTTP edge every remote provider shares: one place decides what counts as retryable, reads
 * Retry-After, and turns a response body into SSE `data:` payloads.
 */

/** 408, 429 and 5xx are worth another try; other 4xx are the request's fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `retry-after-ms` (OpenAI, Azure) or `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** fetch that throws UpstreamError for network failures and any non-2xx answer. */
export async function upstreamFetch(providerId: string, url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if (init.signal.aborted) throw new UpstreamError(`${providerId}: request aborted`, { status: null, retryable: true, providerId });
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    throw new UpstreamError(`${providerId}: network error${cause || `: ${String(e)}`}`, { status: null, retryable: true, providerId });
  }
  if (res.ok) return res;
  const body = await res.text().catch(() => '');
  const retryAfter = retryAfterMs(res.headers);
  throw new UpstreamError(`${providerId}: HTTP ${res.status}${errorDetail(body)}`, {
    status: res.status,
    retryable: isRetryableStatus(res.status),
    providerId,
    body: body.slice(0, 2000),
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
  });
}

/** Reads a JSON success body; a body that is not JSON is a provider fault worth retrying elsewhere. */
export async function readJson(providerId: string, res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new UpstreamError(`${providerId}: answer is not a JSON object`, { status: res.status, retryable: true, providerId, body: text.slice(0, 2000) });
}

/** The `data:` payloads of a server-sent-events body, one per event, `[DONE]` included. */
export async function* sseData(providerId: string, res: Response): AsyncGenerator<string> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const reader = res.body.getReader();
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new UpstreamError(`${providerId}: stream broke: ${e instanceof Error ? e.message : String(e)}`, { status: null, retryable: true, providerId });
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line === '') {
          if (data.length) yield data.join('\n');
          data = [];
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5).replace(/^ /, ''));
        }
      }
    }
    if (data.length) yield data.join('\n');
  } finally {
    reader.releaseLock();
    await res.body.cancel().catch(() => undefined);
  }
}

export function parseEvent(providerId: string, data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new UpstreamError(`${providerId}: stream event is not JSON: ${data.slice(0, 200)}`, { status: null, retryable: true, providerId });
}

function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof message === 'string' && message) return `: ${message.slice(0, 300)}`;
  } catch {
    // not JSON
  }
  return body ? `: ${body.slice(0, 300)}` : '';
}

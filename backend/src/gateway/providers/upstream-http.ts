import type { IncomingHttpHeaders } from 'node:http';
import { traceClientCall } from '../../ops/tracing';
import { Agent, request, type Dispatcher } from 'undici';
import { UpstreamError } from '../gateway-contracts';

/**
 * The HTTP edge every remote provider shares: one place decides what counts as retryable, reads
 * Retry-After, and turns a response body into SSE `data:` payloads.
 */

/** 408, 429 and 5xx are worth another try; other 4xx are the request's fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A response header by lower-case name (the shape of WHATWG Headers, so either fits). */
export interface HeaderLookup {
  get(name: string): string | null;
}

/** `retry-after-ms` (OpenAI, Azure) or `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: HeaderLookup, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A 2xx answer from a provider; its body is read once, whole (text) or as it arrives (sseData). */
export interface UpstreamResponse {
  status: number;
  headers: HeaderLookup;
  text(): Promise<string>;
  body: Dispatcher.ResponseData['body'];
}

export interface UpstreamRequestInit {
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string | FormData;
  signal: AbortSignal;
}

/**
 * Keep-alive connections to every provider origin, shared by all providers. undici's request()
 * instead of global fetch: the same HTTP/1.1 client underneath, without the WHATWG Request,
 * Response, Headers and stream objects fetch builds per call (profiled at ~3 ms CPU per call).
 * Timeouts as global fetch has them (headers and body idle 300 s); the router's AbortSignal bounds
 * each attempt.
 */
const upstreamAgent = new Agent({ keepAliveTimeout: 4_000, headersTimeout: 300_000, bodyTimeout: 300_000 });

function headerLookup(raw: IncomingHttpHeaders): HeaderLookup {
  return {
    get(name) {
      const v = raw[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

/** An upstream call that throws UpstreamError for network failures and any non-2xx answer. */
export async function upstreamFetch(providerId: string, url: string, init: UpstreamRequestInit): Promise<UpstreamResponse> {
  // The provider call is a span of the gateway request's trace; its traceparent goes to the provider too.
  const headers = { ...init.headers };
  return traceClientCall(`${init.method} ${providerId}`, { 'fe.provider': providerId, 'server.address': new URL(url).host }, headers, () => upstreamCall(providerId, url, { ...init, headers }));
}

async function upstreamCall(providerId: string, url: string, init: UpstreamRequestInit): Promise<UpstreamResponse> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method: init.method, headers: init.headers, body: init.body ?? null, signal: init.signal, dispatcher: upstreamAgent });
  } catch (e) {
    if (init.signal.aborted) throw new UpstreamError(`${providerId}: request aborted`, { status: null, retryable: true, providerId });
    const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    throw new UpstreamError(`${providerId}: network error: ${cause}`, { status: null, retryable: true, providerId });
  }
  const headers = headerLookup(res.headers);
  if (res.statusCode >= 200 && res.statusCode < 300) {
    const body = res.body;
    return { status: res.statusCode, headers, body, text: () => body.text() };
  }
  const body = await res.body.text().catch(() => '');
  const retryAfter = retryAfterMs(headers);
  throw new UpstreamError(`${providerId}: HTTP ${res.statusCode}${errorDetail(body)}`, {
    status: res.statusCode,
    retryable: isRetryableStatus(res.statusCode),
    providerId,
    body: body.slice(0, 2000),
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
  });
}

/** Reads a JSON success body; a body that is not JSON is a provider fault worth retrying elsewhere. */
export async function readJson(providerId: string, res: UpstreamResponse): Promise<Record<string, unknown>> {
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
export async function* sseData(providerId: string, res: UpstreamResponse): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const chunks = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      let chunk: IteratorResult<Buffer>;
      try {
        chunk = await chunks.next();
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
    // A caller that stops early (or a broken stream) must not leave the connection half read.
    if (!res.body.readableEnded) res.body.destroy();
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

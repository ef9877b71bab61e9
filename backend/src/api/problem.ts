import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { AppError, isAppError, type ErrorCode } from '../../../app/contracts/errors';
import { isInvalidTextIssue } from '../../../app/contracts/text';
import type { LogFn } from '../runtime/log';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extra: string]: unknown;
}

const titles: Partial<Record<number, string>> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 431: 'Request Header Fields Too Large', 422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** RFC 9457 body for an AppError; `type` is a stable URN built from the code. */
export function problemOf(e: AppError, instance?: string): ProblemBody {
  return { type: `urn:feedback-evaluation:error:${e.code}`, title: titles[e.status] ?? 'Error', status: e.status, detail: e.message, code: e.code, ...(instance ? { instance } : {}), ...(e.details ? { details: e.details } : {}) };
}

export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e as AppError;
  if (e instanceof z.ZodError) {
    const text = e.issues.filter(isInvalidTextIssue);
    if (text.length) return new AppError('request.invalid_text', text.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), { status: 400 });
    return new AppError('request.invalid', e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), { status: 400 });
  }
  // The router could not percent-decode a path parameter (/v1/sessions/%zz): a 500 until now.
  if (e instanceof URIError && (e as { status?: unknown }).status === 400) return new AppError('request.invalid', `Malformed percent-encoding in the path: ${e.message}`, { status: 400 });
  return bodyParserError(e) ?? new AppError('internal', 'Internal error', { cause: e });
}

/**
 * The body parsers' refusals (http-errors with a 4xx status and a `type`): each its own stable code.
 * An unknown charset or Content-Encoding and an undecodable gzip body were 500s until the fuzzer's
 * neighbours were tried by hand.
 */
function bodyParserError(e: unknown): AppError | null {
  const err = e as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown; limit?: unknown } | null;
  if (!err || typeof err.status !== 'number' || err.status < 400 || err.status > 499 || err.expose !== true) return null;
  const message = typeof err.message === 'string' ? err.message : 'unreadable body';
  if (err.type === 'entity.parse.failed') return new AppError('request.invalid', `Malformed JSON body: ${message}`, { status: 400 });
  if (err.status === 413) return new AppError('request.too_large', `Request body too large${typeof err.limit === 'number' ? ` (at most ${err.limit} bytes)` : ''}`);
  if (err.status === 415) return new AppError('request.unsupported_media_type', `Unsupported request body: ${message} (send UTF-8 JSON, uncompressed, gzip, deflate or br)`);
  return new AppError(err.status === 404 ? 'request.not_found' : 'request.invalid', `Unreadable request: ${message}`, { status: err.status });
}

/** Unhandled errors are logged at level error with the request id; the client sees only the problem body. */
export function errorMiddleware(log?: { error: LogFn }): ErrorRequestHandler {
  return (e, req, res, _next) => {
    const app = toAppError(e);
    if (app.code === 'internal') log?.error('unhandled error', { err: String((e as Error)?.stack ?? e), path: req.path, reqId: (req as { id?: unknown }).id });
    const retryAfter = retryAfterOf(app);
    if (retryAfter) res.setHeader('Retry-After', retryAfter);
    res.status(app.status).type('application/problem+json').send(JSON.stringify(problemOf(app, instanceOf(req.originalUrl))));
  };
}

/** The request URL as a problem's `instance`, without an app token a media element put in its query (decision 027). */
export function instanceOf(originalUrl: string): string {
  const q = originalUrl.indexOf('?');
  if (q < 0) return originalUrl;
  const params = new URLSearchParams(originalUrl.slice(q + 1));
  if (!params.has('access_token')) return originalUrl;
  params.delete('access_token');
  const rest = params.toString();
  return `${originalUrl.slice(0, q)}${rest ? `?${rest}` : ''}`;
}

/** Seconds a 429 asks the client to wait (details.retryAfterSec), as a Retry-After value. */
export function retryAfterOf(e: AppError): string | undefined {
  if (e.status !== 429) return undefined;
  const sec = Number(e.details?.retryAfterSec);
  return String(Number.isFinite(sec) && sec > 0 ? Math.ceil(sec) : 60);
}

export const notFound: RequestHandler = (req, _res, next) => next(new AppError('request.not_found', `No route ${req.method} ${req.path}`));

export function fail(code: ErrorCode, message: string, opts?: ConstructorParameters<typeof AppError>[2]): never {
  throw new AppError(code, message, opts);
}

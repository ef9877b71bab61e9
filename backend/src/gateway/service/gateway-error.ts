import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { AppError, isAppError, type ErrorCode } from '../../../../app/contracts/errors';
import { isInvalidTextIssue } from '../../../../app/contracts/text';
import { UpstreamError } from '../gateway-contracts';

/** OpenAI's error `type` for each of our codes, so OpenAI clients classify the error as they expect. */
function openAiType(code: ErrorCode): string {
  if (code === 'request.invalid' || code === 'request.invalid_text' || code === 'session.not_found') return 'invalid_request_error';
  if (code === 'auth.missing' || code === 'auth.invalid') return 'authentication_error';
  if (code === 'auth.forbidden' || code === 'policy.denied') return 'permission_error';
  if (code === 'model.not_found' || code === 'request.not_found') return 'not_found_error';
  if (code === 'rate.limited') return 'rate_limit_error';
  if (code === 'budget.exceeded') return 'insufficient_quota';
  if (code === 'idempotency.conflict' || code === 'idempotency.in_flight') return 'conflict_error';
  return 'server_error';
}

/** `{error:{message,type,code,param}}` with our stable code; details (reasons, budget) ride along. */
export function errorBody(e: AppError, param: string | null = null) {
  return { error: { message: e.message, type: openAiType(e.code), code: e.code, param, ...(e.details ? { details: e.details } : {}) } };
}

export function toGatewayError(e: unknown): AppError {
  if (isAppError(e)) return e as AppError;
  if (e instanceof z.ZodError && e.issues.some(isInvalidTextIssue)) return new AppError('request.invalid_text', e.issues.filter(isInvalidTextIssue).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), { status: 400 });
  if (e instanceof z.ZodError) return new AppError('request.invalid', e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), { status: 400 });
  if (e instanceof UpstreamError) return new AppError('upstream.unavailable', `Provider ${e.opts.providerId} failed: ${e.message}`, { status: e.opts.status !== null && e.opts.status < 500 && e.opts.status !== 429 ? 502 : 503, cause: e });
  return new AppError('internal', 'Internal error', { cause: e });
}

export function sendError(res: ServerResponse, e: AppError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(errorBody(e));
  res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** request.invalid answered as 400 (AppError's default for it is 422, OpenAI clients expect 400). */
export function invalid(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('request.invalid', message, { status: 400, details });
}

import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../../../../app/contracts/errors';
import { isUuid } from '../../db/database';
import type { Caller } from './caller-auth';
import { invalid } from './gateway-error';

export interface CallHeaders {
  purpose: string;
  sessionId: string | null;
  userId: string | null;
  idempotencyKey: string | null;
}

const PURPOSE = /^[a-z][a-z0-9_.-]{0,63}$/;

function one(headers: IncomingHttpHeaders, name: string): string | null {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? null : s.trim();
}

/** X-FE-Purpose (required), X-FE-Session / X-FE-User (uuid), Idempotency-Key; the credential must allow the purpose. */
export function readCallHeaders(headers: IncomingHttpHeaders, caller: Caller): CallHeaders {
  const purpose = one(headers, 'x-fe-purpose');
  if (!purpose) throw invalid('The X-FE-Purpose header is required (what the call is for, e.g. rubric_analysis)', { header: 'X-FE-Purpose' });
  if (!PURPOSE.test(purpose)) throw invalid(`X-FE-Purpose ${JSON.stringify(purpose)} is not a purpose name (lower case letters, digits, _ . -)`, { header: 'X-FE-Purpose' });
  const sessionId = one(headers, 'x-fe-session');
  if (sessionId !== null && !isUuid(sessionId)) throw invalid('X-FE-Session must be a session uuid', { header: 'X-FE-Session' });
  const userId = one(headers, 'x-fe-user');
  if (userId !== null && !isUuid(userId)) throw invalid('X-FE-User must be a user uuid', { header: 'X-FE-User' });
  const idempotencyKey = one(headers, 'idempotency-key');
  if (idempotencyKey !== null && idempotencyKey.length > 255) throw invalid('Idempotency-Key has at most 255 characters', { header: 'Idempotency-Key' });
  if (caller.purposes && !caller.purposes.includes(purpose)) {
    throw new AppError('auth.forbidden', `Service credential "${caller.name}" may not call for purpose ${purpose}`, { status: 403 });
  }
  return { purpose, sessionId: sessionId?.toLowerCase() ?? null, userId: userId?.toLowerCase() ?? null, idempotencyKey };
}

import { ApplicationFailure } from '@temporalio/activity';
import { isAppError, type ErrorCode } from '../../../app/contracts/errors';

/**
 * The one list of what is retried: error codes a later attempt may fix (a service back, a rate limit
 * lifted, a lock released, a key store reachable again). Every other AppError fails its step at once.
 */
export const RETRYABLE_CODES: readonly ErrorCode[] = ['llm.unavailable', 'stt.unavailable', 'upstream.unavailable', 'upstream.timeout', 'rate.limited', 'idempotency.in_flight', 'internal', 'crypto.key_unavailable'];

/**
 * AppErrors cross into Temporal as ApplicationFailures whose type is the stable code, non-retryable
 * unless the code is in RETRYABLE_CODES; anything else is returned as it is (Temporal retries it).
 */
export function toActivityFailure(e: unknown): unknown {
  if (!isAppError(e)) return e;
  return ApplicationFailure.create({ message: e.message, type: e.code, nonRetryable: !RETRYABLE_CODES.includes(e.code), details: e.details ? [e.details] : [] });
}

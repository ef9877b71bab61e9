import type { ErrorCode } from './errors';

/**
 * Refusals a second attempt of the same upload cannot change: the file, the consent or the
 * user's rights are the problem, not the line. Both upload queues stop on these whatever the HTTP
 * status, and the app offers no "Retry now". (session.state_invalid is not here: it means an
 * evaluation is running, and the same upload succeeds once it ends.)
 */
const FINAL: ReadonlySet<string> = new Set<ErrorCode>([
  'request.invalid',
  'auth.forbidden',
  'policy.denied',
  'consent.missing',
  'session.not_found',
  'recording.unsupported_format',
  'recording.mono',
  'recording.empty_channel',
  'recording.too_large',
  'recording.too_long',
  'recording.checksum_mismatch',
  'recording.corrupt',
]);

export const uploadRetryCanSucceed = (code: string) => !FINAL.has(code);

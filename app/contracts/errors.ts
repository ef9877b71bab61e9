import { z } from 'zod';

/**
 * Stable error codes. A user, a test or another process may rely on these strings;
 * never rename one, only add.
 */
export const ErrorCode = z.enum([
  'request.invalid',
  'request.not_found',
  'auth.missing',
  'auth.invalid',
  'auth.forbidden',
  'consent.missing',
  'session.not_found',
  'session.state_invalid',
  'recording.missing',
  'recording.unsupported_format',
  'recording.mono',
  'recording.empty_channel',
  'recording.too_large',
  'recording.too_long',
  'recording.checksum_mismatch',
  'recording.corrupt',
  'rubric.not_found',
  'rubric.invalid',
  'analysis.invalid_output',
  'llm.unavailable',
  'stt.unavailable',
  'stt.model_missing',
  'report.not_ready',
  'evaluation.failed',
  'config.invalid',
  'runtime.binary_missing',
  'internal',
  'invite.invalid',
  'signal.room_full',
  'signal.message_invalid',
  'signal.not_joined',
  'signal.peer_absent',
  'recording.not_found',
  'recording.state_invalid',
  'recording.sequence_gap',
  'recording.sequence_conflict',
  'recording.recovery_failed',
  'upload.not_found',
  'upload.failed',
  'upload.unreachable',
  'secret.unavailable',
  'stt.model_checksum_mismatch',
  'stt.model_setup_failed',
  'budget.exceeded',
  'idempotency.conflict',
  'idempotency.in_flight',
  'policy.denied',
  'rate.limited',
  'upstream.unavailable',
  'upstream.timeout',
  'model.not_found',
  'budget.not_found',
  'bridge.unavailable',
  'call.reconnect_failed',
  'credential.not_found',
  'connection.too_many',
  'request.invalid_text',
  'request.method_not_allowed',
  'embedding.model_missing',
  'embedding.model_checksum_mismatch',
  'embedding.model_invalid',
  'coder.weights_missing',
  'coder.weights_invalid',
  'coder.input_invalid',
  'llm.model_checksum_mismatch',
  'llm.model_setup_failed',
  'blob.foreign_org',
  'blob.corrupt',
  'crypto.integrity',
  'crypto.key_unavailable',
  'crypto.key_destroyed',
  'audit.chain_broken',
  'auth.oidc_not_configured',
  'auth.oidc_state_invalid',
  'auth.oidc_nonce_mismatch',
  'auth.oidc_token_invalid',
  'auth.oidc_provider_error',
  'auth.oidc_binding_invalid',
  'auth.domain_not_allowed',
  'auth.role_not_mapped',
  'auth.oidc_subject_conflict',
  'auth.sign_in_link_invalid',
  'auth.user_deactivated',
  'auth.scim_credential_invalid',
  'scim.invalid',
  'scim.not_found',
  'scim.conflict',
  'scim.unsupported',
  'auth.saml_not_configured',
  'auth.saml_signature_invalid',
  'auth.saml_assertion_expired',
  'auth.saml_assertion_replayed',
  'auth.saml_audience_invalid',
  'auth.saml_request_unknown',
  'auth.saml_response_invalid',
  'auth.csrf_invalid',
  'auth.origin_refused',
  'auth.web_session_missing',
  'auth.refresh_invalid',
  'auth.refresh_reused',
  'auth.signin_cancelled',
  'update.not_found',
  'update.manifest_invalid',
  'update.check_failed',
  'update.download_failed',
  'update.signature_invalid',
  'policy.invalid',
  'settings.managed',
  'recording.range_not_satisfiable',
  'ready.database_unreachable',
  'ready.database_not_migrated',
  'ready.temporal_unreachable',
  'ready.gateway_unreachable',
  'ready.gateway_unhealthy',
  'ready.models_missing',
  'ready.blobs_unwritable',
  'tool.setup_failed',
  'request.too_large',
  'request.unsupported_media_type',
  'request.headers_too_large',
  'request.malformed',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorData = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorData = z.infer<typeof ErrorData>;

/** The one error type thrown inside a process; boundaries turn it into data. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: { status?: number; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? defaultStatus(code);
    this.details = opts.details;
  }

  toData(): ErrorData {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AppError' && typeof (e as { code?: unknown }).code === 'string');
}

function defaultStatus(code: ErrorCode): number {
  if (code === 'internal' || code === 'evaluation.failed' || code === 'blob.corrupt' || code === 'crypto.integrity') return 500;
  if (code === 'blob.foreign_org') return 403;
  if (code === 'crypto.key_unavailable') return 503;
  if (code === 'crypto.key_destroyed') return 410;
  if (code.startsWith('auth.')) return code === 'auth.forbidden' || code === 'auth.csrf_invalid' || code === 'auth.origin_refused' ? 403 : 401;
  if (code.endsWith('not_found')) return 404;
  if (code === 'recording.too_large' || code === 'request.too_large') return 413;
  if (code === 'request.unsupported_media_type') return 415;
  if (code === 'request.headers_too_large') return 431;
  if (code === 'request.malformed') return 400;
  if (code === 'recording.range_not_satisfiable') return 416;
  if (code === 'recording.unsupported_format') return 415;
  if (code === 'session.state_invalid' || code === 'report.not_ready') return 409;
  if (code === 'llm.unavailable' || code === 'stt.unavailable' || code === 'stt.model_missing' || code === 'coder.weights_missing' || code === 'upstream.unavailable') return 503;
  if (code === 'upstream.timeout') return 504;
  if (code.startsWith('ready.')) return 503;
  if (code === 'rate.limited' || code === 'connection.too_many') return 429;
  if (code === 'request.invalid_text') return 400;
  if (code === 'request.method_not_allowed') return 405;
  if (code === 'budget.exceeded') return 402;
  if (code === 'update.manifest_invalid') return 503;
  if (code === 'settings.managed') return 403;
  if (code === 'policy.denied') return 403;
  if (code === 'idempotency.conflict' || code === 'idempotency.in_flight') return 409;
  return 422;
}

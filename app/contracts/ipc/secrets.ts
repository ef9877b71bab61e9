import { z } from 'zod';
import { ErrorData } from '../errors';
import type { ContractMap, EventContract } from '../ipc-contract';
import { NoInput } from './common';

/** The only secrets the renderer may touch: a closed list, never arbitrary keys. */
export const SecretName = z.enum(['api.token']);
export type SecretName = z.infer<typeof SecretName>;

export const SecretsContract = {
  /** `secret.unavailable` when the OS cannot encrypt (no keychain) or the stored value cannot be decrypted. */
  'secrets:get': { input: z.object({ name: SecretName }), output: z.object({ value: z.string().nullable() }) },
  'secrets:set': { input: z.object({ name: SecretName, value: z.string().min(1).max(16 * 1024) }), output: z.object({ stored: z.literal(true) }) },
  'secrets:delete': { input: z.object({ name: SecretName }), output: z.object({ deleted: z.boolean() }) },
  /**
   * Sign in through the system browser (RFC 8252 loopback, main/services/loopback-sign-in.ts): the
   * access and refresh tokens stay in the main process; the renderer learns who signed in. Problems:
   * the OIDC sign-in's codes, upstream.unavailable, auth.oidc_not_configured (no system browser here).
   */
  'secrets:signin': { input: z.object({ orgId: z.string().uuid() }), output: z.object({ identity: z.object({ orgId: z.string(), userId: z.string(), email: z.string(), displayName: z.string(), roles: z.array(z.string()) }) }) },
  /**
   * Stops waiting for the browser: the sign-in in flight closes its loopback listener (a late
   * redirect then reaches nothing) and answers auth.signin_cancelled. `cancelled`: one was waiting.
   */
  'secrets:cancel': { input: NoInput, output: z.object({ cancelled: z.boolean() }) },
  /** Whether secrets can be kept encrypted on this machine, and by what. */
  'secrets:status': { input: NoInput, output: z.object({ available: z.boolean(), backend: z.string() }) },
} satisfies ContractMap;

export const SecretsEvents = {
  /**
   * The stored sign-in was refused at its refresh (revoked elsewhere: auth.refresh_invalid; a copy
   * was used: auth.refresh_reused; auth.user_deactivated) and deleted: sign in again.
   */
  'secrets:revoked': ErrorData,
} satisfies EventContract;

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
  /** Whether secrets can be kept encrypted on this machine, and by what. */
  'secrets:status': { input: NoInput, output: z.object({ available: z.boolean(), backend: z.string() }) },
} satisfies ContractMap;

export const SecretsEvents = {
  /**
   * The stored sign-in was refused at its refresh (revoked elsewhere: auth.refresh_invalid; a copy
   * was used: auth.refresh_reused; auth.user_deactivated) and deleted: sign in again.
   */
  'secrets:signed-out': ErrorData,
} satisfies EventContract;

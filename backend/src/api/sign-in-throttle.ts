import { isAppError } from '../../../app/contracts/errors';
import { authenticateToken, type Identity, type IdentityResolver } from './auth';

/**
 * Limits on failed sign-ins per client address (see abuse-limits.ts for the PostgreSQL one).
 * `check` runs before a token is looked at, so a blocked client learns nothing, not even whether
 * its next guess would have been right.
 */
export interface SignInThrottle {
  /** Throws `rate.limited` (with details.retryAfterSec) while the client is blocked. */
  check(client: string): Promise<void>;
  /** A token this client sent was unknown, expired or revoked. */
  failed(client: string, token: string): Promise<void>;
}

export const noSignInThrottle: SignInThrottle = { check: async () => undefined, failed: async () => undefined };

/** Bearer sign-in with the throttle around it: the one path for HTTP, tus and both WebSockets. */
export async function throttledSignIn(throttle: SignInThrottle, resolver: IdentityResolver, token: string | null, client: string): Promise<Identity> {
  if (token) await throttle.check(client);
  try {
    return await authenticateToken(resolver, token);
  } catch (e) {
    if (token && isAppError(e) && e.code === 'auth.invalid') await throttle.failed(client, token);
    throw e;
  }
}

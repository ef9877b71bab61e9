import { AppError } from '../../../../app/contracts/errors';
import type { Database } from '../../db/database';
import { resolveServiceCredential, type ResolvedServiceCredential } from '../../db/repositories/service-credentials';
import { createSingleFlight } from './single-flight';

export type Caller = ResolvedServiceCredential;

export interface CallerAuthenticator {
  /** The credential behind an `Authorization: Bearer …` header; throws auth.invalid (401). */
  authenticate(authorization: string | undefined): Promise<Caller>;
}

/**
 * Live credentials are remembered for `cacheMs` (never past their expiry) to keep a database round
 * trip off each call: a revocation therefore takes effect within cacheMs. Unknown secrets are not
 * cached, so they cannot crowd the cache out.
 */
export function createCallerAuthenticator(db: Database, opts: { cacheMs: number; maxEntries?: number }): CallerAuthenticator {
  const cache = new Map<string, { caller: Caller; until: number }>();
  const maxEntries = opts.maxEntries ?? 10_000;
  const lookups = createSingleFlight<Caller | null>();
  return {
    async authenticate(authorization) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!m) throw new AppError('auth.invalid', 'Send a service credential as "Authorization: Bearer <secret>"', { status: 401 });
      const secret = m[1]!;
      const now = Date.now();
      const hit = cache.get(secret);
      if (hit && hit.until > now) return hit.caller;
      if (hit) cache.delete(secret);
      const caller = await lookups.run(secret, () => resolveServiceCredential(db, secret));
      if (!caller) throw new AppError('auth.invalid', 'The service credential is unknown, revoked or expired', { status: 401 });
      if (opts.cacheMs > 0) {
        if (cache.size >= maxEntries) cache.clear();
        cache.set(secret, { caller, until: Math.min(now + opts.cacheMs, Date.parse(caller.expiresAt)) });
      }
      return caller;
    },
  };
}

import { timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database';
import { resolveApiTokenGrant, tokenSha256 } from '../db/repositories/identity';
import type { IdentityResolver } from './auth';

export interface TokenResolverOptions {
  /**
   * The current FE_DEV_TOKEN, in embedded mode only. A stored dev-identity token signs in only
   * when it is this one: after FE_DEV_TOKEN changes the old one is refused, and without it (an
   * external database) no dev token is accepted at all, even one that found its way there.
   */
  devToken?: string;
}

/** Bearer tokens stored (hashed) in the database: API tokens, and the embedded dev identity's. Expired or revoked ones resolve to nobody. */
export function databaseTokenResolver(db: Database, opts: TokenResolverOptions = {}): IdentityResolver {
  const devSha = opts.devToken ? Buffer.from(tokenSha256(opts.devToken), 'hex') : null;
  return {
    async resolve(token) {
      const grant = await resolveApiTokenGrant(db, token);
      if (!grant) return null;
      if (grant.kind === 'dev' && !(devSha && timingSafeEqual(devSha, Buffer.from(tokenSha256(token), 'hex')))) return null;
      return grant.identity;
    },
  };
}

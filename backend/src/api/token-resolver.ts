import type { Database } from '../db/database';
import { resolveApiToken } from '../db/repositories/identity';
import type { IdentityResolver } from './auth';

/** Bearer tokens stored (hashed) in the database: the embedded dev identity and API tokens. */
export function databaseTokenResolver(db: Database): IdentityResolver {
  return { resolve: (token) => resolveApiToken(db, token) };
}

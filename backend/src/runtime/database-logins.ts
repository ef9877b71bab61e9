import { randomBytes } from 'node:crypto';
import { ensureClusterRoles, handDatabaseToOwner, loginPrivileges, roleUrls, type RoleUrls } from '../db/database-roles';
import type { Log } from './log';

/**
 * Embedded PostgreSQL: the owner and the app login get new random passwords at every start (held
 * only in this process's memory), and the app database is handed to the owner. The superuser URL
 * is used for this and nothing else.
 */
export async function provisionEmbeddedLogins(superuserAdminUrl: string, superuserDatabaseUrl: string): Promise<RoleUrls> {
  const passwords = { owner: randomBytes(24).toString('base64url'), app: randomBytes(24).toString('base64url') };
  await ensureClusterRoles(superuserAdminUrl, passwords);
  await handDatabaseToOwner(superuserDatabaseUrl);
  return roleUrls(superuserDatabaseUrl, passwords);
}

/** DATABASE_URL is the operator's: a superuser or BYPASSRLS login is allowed, but said out loud. */
export async function warnIfPrivilegedLogin(url: string, log: Log): Promise<void> {
  const p = await loginPrivileges(url);
  if (p.superuser || p.bypassRls) {
    log.warn(`DATABASE_URL logs in as ${p.user}, a ${p.superuser ? 'superuser' : 'BYPASSRLS role'}: row-level security then rests on SET LOCAL ROLE alone. Connect the app as a login that is only a member of fe_app and run migrations with FE_DATABASE_URL_MIGRATE (backend/src/db/README.md).`);
  }
}

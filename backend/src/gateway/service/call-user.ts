import { AppError } from '../../../../app/contracts/errors';
import type { AccessEngine } from '../../access/access-policy';
import { loadSessionResource } from '../../access/authorizer';
import type { Database } from '../../db/database';
import { listRoles } from '../../db/repositories/identity';
import type { PolicyInput } from '../gateway-contracts';

/** The role a call made for a user is decided with: their most clinical one (a user may hold several). */
const ROLE_ORDER = ['clinician', 'org_admin', 'supervisor', 'auditor'] as const;

export interface CallUserChecker {
  /**
   * The role the gateway policy decides with: 'service' without X-FE-User; otherwise the user must
   * be a member of the caller's org (auth.forbidden) and the access policy must allow gateway.call
   * for them on the session (session.not_found when they may not know it) or the org.
   */
  roleFor(orgId: string, userId: string | null, sessionId: string | null): Promise<PolicyInput['role']>;
}

/** Memberships are remembered for `cacheMs` (a removed member is refused within that), like credentials. */
export function createCallUserChecker(db: Database, access: AccessEngine, opts: { cacheMs: number; maxEntries?: number }): CallUserChecker {
  const cache = new Map<string, { roles: string[]; until: number }>();
  const maxEntries = opts.maxEntries ?? 10_000;
  async function rolesOf(orgId: string, userId: string): Promise<string[]> {
    const key = `${orgId}/${userId}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.roles;
    const roles = await db.withOrg(orgId, (tx) => listRoles(tx, userId));
    if (opts.cacheMs > 0) {
      if (cache.size >= maxEntries) cache.clear();
      cache.set(key, { roles, until: now + opts.cacheMs });
    }
    return roles;
  }
  return {
    async roleFor(orgId, userId, sessionId) {
      if (userId === null) return 'service';
      const roles = await rolesOf(orgId, userId);
      if (roles.length === 0) throw new AppError('auth.forbidden', `X-FE-User ${userId} is not a member of the caller's organisation`, { status: 403, details: { header: 'X-FE-User' } });
      const subject = { kind: 'user' as const, orgId, userId, roles, supervisees: [] };
      const session = sessionId === null ? null : await db.withOrg(orgId, (tx) => loadSessionResource(tx, sessionId));
      if (sessionId !== null && !session) throw new AppError('session.not_found', `No session ${sessionId} in this org`, { status: 404 });
      const d = access.decide('gateway.call', subject, session ?? { type: 'org', orgId });
      if (!d.allow) {
        if (session && !d.visible) throw new AppError('session.not_found', `No session ${sessionId} in this org`, { status: 404 });
        throw new AppError('auth.forbidden', `Calls on behalf of user ${userId} are not allowed: ${d.reasons.join('; ')}`, { status: 403, details: { reasons: d.reasons } });
      }
      return ROLE_ORDER.find((r) => roles.includes(r)) ?? 'service';
    },
  };
}

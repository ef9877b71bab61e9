import { AppError } from '../../../../app/contracts/errors';
import type { Database } from '../../db/database';
import type { OrgPolicySettings } from '../gateway-contracts';

export interface OrgCallContext {
  settings: OrgPolicySettings;
  /** The session's participants (whose names are redacted); [] without a session. */
  participants: Array<{ name: string; channel: 0 | 1 }>;
}

export interface OrgCallContextLoader {
  load(orgId: string, sessionId: string | null): Promise<OrgCallContext>;
}

/**
 * The org's policy overrides and the session's participants, in one transaction. Settings are
 * kept for `cacheMs` (an admin change applies within that); participants are read every call.
 */
export function createOrgCallContextLoader(db: Database, opts: { cacheMs: number }): OrgCallContextLoader {
  const cache = new Map<string, { settings: OrgPolicySettings; until: number }>();
  return {
    async load(orgId, sessionId) {
      const now = Date.now();
      const hit = cache.get(orgId);
      const cached = hit && hit.until > now ? hit.settings : undefined;
      if (cached && sessionId === null) return { settings: cached, participants: [] };
      const ctx = await db.withOrg(orgId, async (tx) => {
        const settings =
          cached ?? (await tx.query<{ settings: OrgPolicySettings }>('SELECT settings FROM ai_org_policies WHERE org_id = $1', [orgId])).rows[0]?.settings ?? {};
        if (sessionId === null) return { settings, participants: [] };
        const { rows } = await tx.query<{ display_name: string; channel: 0 | 1; found: boolean }>(
          `SELECT p.display_name, p.channel, true AS found FROM sessions s LEFT JOIN participants p ON p.session_id = s.id WHERE s.id = $1 ORDER BY p.channel`,
          [sessionId],
        );
        if (rows.length === 0) throw new AppError('session.not_found', `No session ${sessionId} in this org`, { status: 404 });
        return { settings, participants: rows.filter((r) => r.display_name !== null).map((r) => ({ name: r.display_name, channel: r.channel })) };
      });
      if (!cached && opts.cacheMs > 0) cache.set(orgId, { settings: ctx.settings, until: now + opts.cacheMs });
      return ctx;
    },
  };
}

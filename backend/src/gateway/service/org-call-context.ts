import { AppError } from '../../../../app/contracts/errors';
import type { Database } from '../../db/database';
import type { OrgPolicySettings } from '../gateway-contracts';
import { getParticipantNames } from '../../db/repositories/sessions';
import { createSingleFlight } from './single-flight';

export interface OrgCallContext {
  settings: OrgPolicySettings;
  /** The session's participants (whose names are redacted); [] without a session. */
  participants: Array<{ name: string; channel: 0 | 1 }>;
}

export interface OrgCallContextLoader {
  load(orgId: string, sessionId: string | null): Promise<OrgCallContext>;
}

/**
 * The org's policy overrides and the session's participants, in one transaction. Both are kept for
 * `cacheMs` (an admin change or a renamed participant applies within that); a session that does
 * not exist is never cached, so a new session works at once.
 */
export function createOrgCallContextLoader(db: Database, opts: { cacheMs: number; maxEntries?: number }): OrgCallContextLoader {
  const settingsCache = new Map<string, { settings: OrgPolicySettings; until: number }>();
  const participantsCache = new Map<string, { participants: OrgCallContext['participants']; until: number }>();
  const maxEntries = opts.maxEntries ?? 10_000;
  const remember = <V>(cache: Map<string, V>, key: string, value: V) => {
    if (opts.cacheMs <= 0) return;
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, value);
  };
  const loads = createSingleFlight<OrgCallContext>();
  return {
    async load(orgId, sessionId) {
      const now = Date.now();
      const hit = settingsCache.get(orgId);
      const cached = hit && hit.until > now ? hit.settings : undefined;
      const sessionKey = sessionId === null ? null : `${orgId}/${sessionId}`;
      const people = sessionKey === null ? undefined : participantsCache.get(sessionKey);
      const cachedPeople = sessionId === null ? [] : people && people.until > now ? people.participants : undefined;
      if (cached && cachedPeople) return { settings: cached, participants: cachedPeople };
      // Only loads of the same parts are shared, so a joiner never caches what another call read from the cache.
      const what = `${orgId}/${sessionId ?? ''}/${cached ? 'cached' : 'settings'}/${cachedPeople ? 'cached' : 'people'}`;
      const ctx = await loads.run(what, () => db.withOrg(orgId, async (tx) => {
        const settings =
          cached ?? (await tx.query<{ settings: OrgPolicySettings }>('SELECT settings FROM ai_org_policies WHERE org_id = $1', [orgId])).rows[0]?.settings ?? {};
        if (cachedPeople) return { settings, participants: cachedPeople };
        const participants = await getParticipantNames(tx, sessionId!);
        if (participants === null) throw new AppError('session.not_found', `No session ${sessionId} in this org`, { status: 404 });
        return { settings, participants };
      }));
      if (!cached) remember(settingsCache, orgId, { settings: ctx.settings, until: now + opts.cacheMs });
      if (sessionKey !== null && !cachedPeople) remember(participantsCache, sessionKey, { participants: ctx.participants, until: now + opts.cacheMs });
      return ctx;
    },
  };
}

import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../../app/contracts/errors';
import { REFRESH_TOKEN, type DesktopTokens } from '../../../app/contracts/desktop-session-api';
import type { Database, Tx } from '../db/database';
import { orgOf } from '../db/database';
import { addApiToken, isUserActive, tokenSha256 } from '../db/repositories/identity';
import { addRefreshToken, bindAccessTokenToFamily, findRefreshToken, pruneEndedRefreshFamilies, revokeRefreshFamily, spendRefreshToken } from '../db/repositories/refresh-tokens';
import { appendAuditEvent } from '../db/repositories/audit';
import { getOrgSessionLifetimes, setOrgSessionLifetimes, type OrgSessionLifetimes } from '../db/repositories/session-lifetimes';

export interface DesktopSessionLifetimes {
  /** Lifetime of each access token, in seconds. */
  accessTtlSec: number;
  /** A refresh token unused this long stops working (idle lifetime), in seconds. */
  refreshIdleSec: number;
  /** A family stops working this long after its sign-in, however often it was refreshed (absolute lifetime), in seconds. */
  refreshAbsoluteSec: number;
}

const invalid = () => new AppError('auth.refresh_invalid', 'This refresh token is unknown, expired or revoked: sign in again.');

/**
 * The desktop's access + refresh tokens. A refresh token is `fe_rt_<org id>.<secret>`: found under
 * its org's row security, stored only as sha256. Each refresh spends the token and issues its
 * successor in the same family; a spent token presented again revokes the family (and its access
 * tokens) and is audited, since one of the two holders is not the app (docs/decisions/028).
 */
export function createDesktopSessions(opts: { db: Database; lifetimes: DesktopSessionLifetimes }) {
  const { db } = opts;

  /** The deployment's lifetimes with the org's own (org_session_lifetimes) over them. */
  async function lifetimesOf(tx: Tx): Promise<DesktopSessionLifetimes> {
    const org = await getOrgSessionLifetimes(tx);
    return { accessTtlSec: org.accessTtlSec ?? opts.lifetimes.accessTtlSec, refreshIdleSec: org.refreshIdleSec ?? opts.lifetimes.refreshIdleSec, refreshAbsoluteSec: org.refreshAbsoluteSec ?? opts.lifetimes.refreshAbsoluteSec };
  }

  async function issue(tx: Tx, input: { userId: string; familyId: string; familyExpiresAt: Date; accessToken?: string }): Promise<DesktopTokens> {
    const now = Date.now();
    const lifetimes = await lifetimesOf(tx);
    const accessToken = input.accessToken ?? `fe_at_${randomBytes(32).toString('base64url')}`;
    const accessExpiresAt = new Date(Math.min(now + lifetimes.accessTtlSec * 1000, input.familyExpiresAt.getTime()));
    if (input.accessToken) {
      // An access token a sign-in issued: shortened to the desktop's lifetime and bound to the family.
      await tx.query('UPDATE api_tokens SET expires_at = LEAST(expires_at, $2) WHERE token_sha256 = $1', [tokenSha256(accessToken), accessExpiresAt]);
    } else {
      await addApiToken(tx, { userId: input.userId, token: accessToken, label: 'desktop session', expiresAt: accessExpiresAt });
    }
    await bindAccessTokenToFamily(tx, accessToken, input.familyId);
    const refreshToken = `fe_rt_${orgOf(tx)}.${randomBytes(32).toString('base64url')}`;
    const refreshExpiresAt = new Date(Math.min(now + lifetimes.refreshIdleSec * 1000, input.familyExpiresAt.getTime()));
    await addRefreshToken(tx, { token: refreshToken, userId: input.userId, familyId: input.familyId, expiresAt: refreshExpiresAt, familyExpiresAt: input.familyExpiresAt });
    return { accessToken, accessExpiresAt: accessExpiresAt.toISOString(), refreshToken, refreshExpiresAt: refreshExpiresAt.toISOString() };
  }

  async function start(tx: Tx, input: { userId: string; accessToken?: string }): Promise<DesktopTokens> {
    const { refreshAbsoluteSec } = await lifetimesOf(tx);
    await pruneEndedRefreshFamilies(tx, input.userId);
    return issue(tx, { userId: input.userId, familyId: randomUUID(), familyExpiresAt: new Date(Date.now() + refreshAbsoluteSec * 1000), accessToken: input.accessToken });
  }

  const orgOfToken = (token: string): string | null => (REFRESH_TOKEN.test(token) ? token.slice('fe_rt_'.length, token.indexOf('.')) : null);

  return {
    /**
     * A new family for a user of the transaction's org (after a desktop sign-in). `accessToken`:
     * the one the sign-in issued, kept (shortened and bound); without it a new one is issued.
     */
    start,

    /** After a desktop sign-in: its access token joins a new family (shortened to the access lifetime) with a first refresh token. */
    begin(orgId: string, input: { userId: string; accessToken: string }): Promise<DesktopTokens> {
      return db.withOrg(orgId, (tx) => start(tx, input));
    },

    async refresh(token: string): Promise<DesktopTokens> {
      const orgId = orgOfToken(token);
      if (!orgId) throw invalid();
      // The reuse's revocation and audit entry must commit although the caller gets a refusal.
      const outcome = await db.withOrg(orgId, async (tx): Promise<{ tokens: DesktopTokens } | { refused: AppError }> => {
        const spent = await spendRefreshToken(tx, token);
        if (spent) {
          if (!(await isUserActive(tx, spent.userId))) {
            await revokeRefreshFamily(tx, spent.familyId);
            return { refused: new AppError('auth.user_deactivated', 'This account is deactivated.') };
          }
          return { tokens: await issue(tx, { userId: spent.userId, familyId: spent.familyId, familyExpiresAt: spent.familyExpiresAt }) };
        }
        const row = await findRefreshToken(tx, token);
        if (row?.rotatedAt && !row.revokedAt) {
          const revoked = await revokeRefreshFamily(tx, row.familyId);
          await appendAuditEvent(tx, { actorUserId: null, action: 'auth.refresh_reused', targetType: 'user', targetId: row.userId, data: { familyId: row.familyId, revokedRefreshTokens: revoked } });
          return { refused: new AppError('auth.refresh_reused', 'This refresh token was already used: every session of this sign-in is revoked; sign in again.') };
        }
        return { refused: invalid() };
      });
      if ('refused' in outcome) throw outcome.refused;
      return outcome.tokens;
    },

    /** The org's own lifetimes, the deployment's defaults, and what applies (the admin screen). */
    lifetimes(orgId: string): Promise<{ org: OrgSessionLifetimes; defaults: DesktopSessionLifetimes; effective: DesktopSessionLifetimes }> {
      return db.withOrg(orgId, async (tx) => ({ org: await getOrgSessionLifetimes(tx), defaults: { ...opts.lifetimes }, effective: await lifetimesOf(tx) }));
    },

    /** Replaces the org's lifetimes (null: the default), audited with who changed them. */
    async setLifetimes(orgId: string, actorUserId: string, l: OrgSessionLifetimes) {
      await db.withOrg(orgId, async (tx) => {
        await setOrgSessionLifetimes(tx, l);
        await appendAuditEvent(tx, { actorUserId, action: 'auth.session_lifetimes_set', targetType: 'org', targetId: orgId, data: { ...l } });
      });
      return this.lifetimes(orgId);
    },

    /** Sign-out: the token's family and its access tokens are revoked; false when it names no live family. */
    async revoke(token: string): Promise<boolean> {
      const orgId = orgOfToken(token);
      if (!orgId) return false;
      return db.withOrg(orgId, async (tx) => {
        const row = await findRefreshToken(tx, token);
        if (!row || row.revokedAt) return false;
        const revoked = await revokeRefreshFamily(tx, row.familyId);
        await appendAuditEvent(tx, { actorUserId: row.userId, action: 'auth.signed_out', targetType: 'user', targetId: row.userId, data: { familyId: row.familyId, method: 'desktop' } });
        return revoked > 0;
      });
    },
  };
}
export type DesktopSessions = ReturnType<typeof createDesktopSessions>;

import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../../app/contracts/errors';
import type { OidcSignInResult } from '../../../app/contracts/oidc-api';
import { SIGN_IN_LINK_TOKEN } from '../../../app/contracts/sign-in-link-api';
import type { Database, Tx } from '../db/database';
import { orgOf } from '../db/database';
import { addMembership, createOrg, createUser, getUser, isUserActive, type Org, type User } from '../db/repositories/identity';
import { addSignInLink, takeSignInLink } from '../db/repositories/sign-in-links';
import { appendAuditEvent } from '../db/repositories/audit';
import { issueAppSession } from './app-session';

export const SIGN_IN_LINK_PATH = '/v1/auth/sign-in-link';

/** A one-time link for `userId` of the transaction's org: `<api>/v1/auth/sign-in-link?token=<org id>.<secret>`. */
export async function issueSignInLink(tx: Tx, input: { userId: string; apiBase: string; ttlSec: number; actorUserId?: string | null }): Promise<{ url: string; expiresAt: Date }> {
  const token = `${orgOf(tx)}.${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(Date.now() + input.ttlSec * 1000);
  await addSignInLink(tx, { token, userId: input.userId, expiresAt });
  await appendAuditEvent(tx, { actorUserId: input.actorUserId ?? null, action: 'auth.sign_in_link_issued', targetType: 'user', targetId: input.userId, data: { expiresAt: expiresAt.toISOString() } });
  // The token is URL-safe (a uuid, a dot, base64url).
  return { url: `${input.apiBase.replace(/\/+$/, '')}${SIGN_IN_LINK_PATH}?token=${token}`, expiresAt };
}

/**
 * Bootstrap (`feedback admin create-org`): a new org, its first org_admin, and a one-time sign-in
 * link for that admin. Audited in the new org's chain.
 */
export async function createOrgWithAdmin(db: Database, input: { name: string; adminEmail: string; adminName?: string; apiBase: string; linkTtlSec: number }): Promise<{ org: Org; admin: User; link: string; expiresAt: Date }> {
  const orgId = randomUUID();
  return db.withOrg(orgId, async (tx) => {
    const org = await createOrg(tx, { name: input.name });
    const admin = await createUser(tx, { email: input.adminEmail.toLowerCase(), displayName: input.adminName ?? input.adminEmail });
    await addMembership(tx, { userId: admin.id, role: 'org_admin' });
    await appendAuditEvent(tx, { action: 'org.created', targetType: 'org', targetId: orgId, data: { name: input.name, adminUserId: admin.id, via: 'cli' } });
    const { url, expiresAt } = await issueSignInLink(tx, { userId: admin.id, apiBase: input.apiBase, ttlSec: input.linkTtlSec });
    return { org, admin, link: url, expiresAt };
  });
}

/** Redeems one-time sign-in links: the first redemption of an unexpired link issues the user's app session. */
export function createSignInLinks(opts: { db: Database; sessionTtlSec: number }) {
  const invalid = () => new AppError('auth.sign_in_link_invalid', 'This sign-in link is unknown, expired or already used: ask an administrator for a new one.');
  return {
    async redeem(token: string): Promise<OidcSignInResult> {
      if (!SIGN_IN_LINK_TOKEN.test(token)) throw invalid();
      const orgId = token.slice(0, token.indexOf('.'));
      return opts.db.withOrg(orgId, async (tx) => {
        const userId = await takeSignInLink(tx, token);
        const user = userId ? await getUser(tx, userId) : null;
        if (!user || !(await isUserActive(tx, user.id))) throw invalid();
        await appendAuditEvent(tx, { actorUserId: user.id, action: 'auth.signed_in', targetType: 'user', targetId: user.id, data: { method: 'sign_in_link' } });
        return issueAppSession(tx, { user, label: 'sign-in link', prefix: 'fe_link_', ttlSec: opts.sessionTtlSec, created: false });
      });
    },
  };
}
export type SignInLinks = ReturnType<typeof createSignInLinks>;

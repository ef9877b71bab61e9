import { randomBytes } from 'node:crypto';
import type { OidcSignInResult } from '../../../app/contracts/oidc-api';
import type { Tx } from '../db/database';
import { orgOf } from '../db/database';
import { addApiToken, listRoles, type User } from '../db/repositories/identity';

/**
 * The app's session after any sign-in (OIDC, SAML, a one-time link): a short-lived API token, so
 * the one resolver, expiry and revocation apply and routes stay unaware of the method (decision 017).
 */
export async function issueAppSession(tx: Tx, input: { user: User; label: string; prefix: string; ttlSec: number; created: boolean }): Promise<OidcSignInResult> {
  const token = `${input.prefix}${randomBytes(32).toString('base64url')}`;
  const t = await addApiToken(tx, { userId: input.user.id, token, label: input.label, expiresAt: new Date(Date.now() + input.ttlSec * 1000) });
  return {
    token,
    expiresAt: t.expiresAt,
    created: input.created,
    identity: { orgId: orgOf(tx), userId: input.user.id, email: input.user.email, displayName: input.user.displayName, roles: await listRoles(tx, input.user.id) },
  };
}

import { AppError } from '../../../app/contracts/errors';
import type { OidcSignInResult } from '../../../app/contracts/oidc-api';
import type { Database } from '../db/database';
import { createUser, findUserByEmail, getUser, isUserActive, ROLES, setRoles, type Role } from '../db/repositories/identity';
import { findOidcIdentity, linkOidcIdentity, subjectOfUser } from '../db/repositories/oidc';
import { appendAuditEvent } from '../db/repositories/audit';
import { issueAppSession } from './app-session';

/** What an org's identity provider (OIDC or SAML) contributes to mapping a sign-in to a user. */
export interface FederatedProvider {
  /** The OIDC issuer or the SAML IdP's entity id: with the subject, the user's link (oidc_identities). */
  issuer: string;
  roleMap: Record<string, Role>;
  defaultRole: Role | null;
  allowedDomains: string[];
}

/** What the IdP asserted, already validated (ID-token signature, or SAML assertion signature and conditions). */
export interface FederatedAssertion {
  method: 'oidc' | 'saml';
  subject: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
  /** The values of the role claim / attribute (a string or a list of strings). */
  roleValues: unknown;
  /** Its name, for the refusal's message. */
  roleSource: string;
}

export function rolesOf(p: Pick<FederatedProvider, 'roleMap' | 'defaultRole'>, claim: unknown): Role[] {
  const values = (Array.isArray(claim) ? claim : [claim]).filter((v): v is string => typeof v === 'string');
  const mapped = new Set(values.flatMap((v) => (Object.hasOwn(p.roleMap, v) ? [p.roleMap[v]!] : [])).filter((r) => (ROLES as readonly string[]).includes(r)));
  if (mapped.size === 0 && p.defaultRole) mapped.add(p.defaultRole);
  return [...mapped].sort();
}

export const deactivated = (email: string) => new AppError('auth.user_deactivated', `${email} has been deactivated in this organisation (SCIM provisioning).`, { status: 403 });

/**
 * An asserted identity → the org's user (docs/decisions/017): email domain allowed, roles mapped
 * (else the default role, else refused), the user found by its linked subject, else by email when
 * it has no subject at this issuer yet, else created just in time; roles set to exactly the mapped
 * ones; a short-lived app session issued. Shared by OIDC and SAML.
 */
export async function signInFederated(db: Database, orgId: string, p: FederatedProvider, a: FederatedAssertion, session: { ttlSec: number; prefix: string; label: string }): Promise<OidcSignInResult> {
  const email = a.email.toLowerCase();
  if (a.emailVerified === false) throw new AppError('auth.domain_not_allowed', `The identity provider has not verified ${email}.`, { status: 403 });
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (!p.allowedDomains.includes(domain)) throw new AppError('auth.domain_not_allowed', `Sign-in from the email domain ${domain} is not allowed for this organisation.`, { status: 403 });
  const roles = rolesOf(p, a.roleValues);
  if (roles.length === 0) throw new AppError('auth.role_not_mapped', `None of your ${a.roleSource} is mapped to a role in this organisation, and it has no default role.`, { status: 403 });
  return db.withOrg(orgId, async (tx) => {
    // A linked subject is the user, whatever email it asserts now; an unlinked one may claim a
    // user by email only when that user has no subject at this issuer yet (first SSO sign-in).
    const linkedId = await findOidcIdentity(tx, p.issuer, a.subject);
    let existing = linkedId ? await getUser(tx, linkedId) : null;
    if (!existing) {
      existing = await findUserByEmail(tx, email);
      if (existing && (await subjectOfUser(tx, p.issuer, existing.id)) !== null) {
        throw new AppError('auth.oidc_subject_conflict', `${email} already belongs to another account of this identity provider.`, { status: 403 });
      }
    }
    if (existing && !(await isUserActive(tx, existing.id))) throw deactivated(email);
    const displayName = a.name?.trim() ? a.name.trim().slice(0, 200) : email;
    const user = existing ?? (await createUser(tx, { email, displayName }));
    if (!linkedId) await linkOidcIdentity(tx, { issuer: p.issuer, subject: a.subject, userId: user.id });
    await setRoles(tx, user.id, roles);
    await appendAuditEvent(tx, { actorUserId: user.id, action: existing ? 'auth.signed_in' : 'auth.user_provisioned', targetType: 'user', targetId: user.id, data: { method: a.method, issuer: p.issuer, sub: a.subject, roles } });
    return issueAppSession(tx, { user, label: session.label, prefix: session.prefix, ttlSec: session.ttlSec, created: !existing });
  });
}

import { createHash } from 'node:crypto';
import type { Database, Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { iso, isoOrNull } from '../row-values';

export const ROLES = ['clinician', 'supervisor', 'org_admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface Org {
  id: string;
  name: string;
  createdAt: string;
}

export interface User {
  id: string;
  orgId: string;
  email: string;
  displayName: string;
  createdAt: string;
}

export interface Membership {
  id: string;
  orgId: string;
  userId: string;
  role: Role;
  createdAt: string;
}

/** Who a bearer token stands for. */
export interface Identity {
  orgId: string;
  orgName: string;
  userId: string;
  email: string;
  displayName: string;
  roles: Role[];
}

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates the org whose id is the transaction's org (RLS on orgs is keyed on its own id). */
export async function createOrg(tx: Tx, input: { name: string }): Promise<Org> {
  const { rows } = await tx.query<OrgRow>('INSERT INTO orgs (id, name) VALUES ($1, $2) RETURNING *', [orgOf(tx), input.name]);
  return toOrg(rows[0]!);
}

export async function getOrg(tx: Tx): Promise<Org | null> {
  const { rows } = await tx.query<OrgRow>('SELECT * FROM orgs WHERE id = $1', [orgOf(tx)]);
  return rows[0] ? toOrg(rows[0]) : null;
}

export async function createUser(tx: Tx, input: { email: string; displayName: string }): Promise<User> {
  const { rows } = await tx.query<UserRow>('INSERT INTO users (org_id, email, display_name) VALUES ($1, $2, $3) RETURNING *', [orgOf(tx), input.email, input.displayName]);
  return toUser(rows[0]!);
}

export async function getUser(tx: Tx, userId: string): Promise<User | null> {
  const { rows } = await tx.query<UserRow>('SELECT * FROM users WHERE id = $1', [userId]);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function findUserByEmail(tx: Tx, email: string): Promise<User | null> {
  const { rows } = await tx.query<UserRow>('SELECT * FROM users WHERE email = $1', [email]);
  return rows[0] ? toUser(rows[0]) : null;
}

/** Idempotent: granting a role the user already has returns the existing membership. */
export async function addMembership(tx: Tx, input: { userId: string; role: Role }): Promise<Membership> {
  const { rows } = await tx.query<MembershipRow>(
    `INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)
     ON CONFLICT (org_id, user_id, role) DO UPDATE SET role = EXCLUDED.role
     RETURNING *`,
    [orgOf(tx), input.userId, input.role],
  );
  return toMembership(rows[0]!);
}

export async function listRoles(tx: Tx, userId: string): Promise<Role[]> {
  const { rows } = await tx.query<{ role: Role }>('SELECT role FROM memberships WHERE user_id = $1 ORDER BY role', [userId]);
  return rows.map((r) => r.role);
}

/** How long an API token lives unless its creator says otherwise. */
export const DEFAULT_API_TOKEN_TTL_SEC = 30 * 24 * 3600;

export type ApiTokenKind = 'api' | 'dev';

/** A stored API token (never the token itself). */
export interface ApiToken {
  id: string;
  orgId: string;
  userId: string;
  kind: ApiTokenKind;
  label: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/**
 * Stores only the token's sha256, expiring (default DEFAULT_API_TOKEN_TTL_SEC from now). Re-adding
 * the same token points it at this user and gives it the new lifetime, un-revoked.
 */
export async function addApiToken(tx: Tx, input: { userId: string; token: string; label?: string; kind?: ApiTokenKind; expiresAt?: Date }): Promise<ApiToken> {
  const expiresAt = input.expiresAt ?? new Date(Date.now() + DEFAULT_API_TOKEN_TTL_SEC * 1000);
  const { rows } = await tx.query<ApiTokenRow>(
    `INSERT INTO api_tokens (org_id, user_id, token_sha256, label, kind, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (token_sha256) DO UPDATE SET user_id = EXCLUDED.user_id, label = EXCLUDED.label, kind = EXCLUDED.kind, expires_at = EXCLUDED.expires_at, revoked_at = NULL
     RETURNING *`,
    [orgOf(tx), input.userId, tokenSha256(input.token), input.label ?? '', input.kind ?? 'api', expiresAt],
  );
  return toApiToken(rows[0]!);
}

export async function listApiTokens(tx: Tx, userId: string): Promise<ApiToken[]> {
  const { rows } = await tx.query<ApiTokenRow>('SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id', [userId]);
  return rows.map(toApiToken);
}

/** Revokes one token of the transaction's org; false when there is no such live token. */
export async function revokeApiToken(tx: Tx, tokenId: string): Promise<boolean> {
  if (!isUuid(tokenId)) return false;
  const { rowCount } = await tx.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [tokenId]);
  return rowCount > 0;
}

/** Revokes every live token of a user (signed out everywhere); returns how many. */
export async function revokeUserApiTokens(tx: Tx, userId: string): Promise<number> {
  const { rowCount } = await tx.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()', [userId]);
  return rowCount;
}

/** What sign-in learns from a live token: the identity, and which token (kind, expiry) it was. */
export interface ApiTokenGrant {
  identity: Identity;
  tokenId: string;
  kind: ApiTokenKind;
  expiresAt: string;
}

/**
 * Sign-in: which org and user a live (unexpired, unrevoked) bearer token belongs to. This is the
 * one lookup that spans orgs; it goes through the SECURITY DEFINER function resolve_api_token (see
 * migrations 0001 and 0010), never through a broader role.
 */
export async function resolveApiTokenGrant(db: Database, token: string): Promise<ApiTokenGrant | null> {
  return db.withoutOrg(async (tx) => {
    const { rows } = await tx.query<{ org_id: string; org_name: string; user_id: string; email: string; display_name: string; roles: Role[]; token_id: string; token_kind: ApiTokenKind; expires_at: Date }>(
      'SELECT * FROM resolve_api_token($1)',
      [tokenSha256(token)],
    );
    const r = rows[0];
    return r ? { identity: { orgId: r.org_id, orgName: r.org_name, userId: r.user_id, email: r.email, displayName: r.display_name, roles: r.roles }, tokenId: r.token_id, kind: r.token_kind, expiresAt: iso(r.expires_at) } : null;
  });
}

/**
 * The identity of a token that was not revoked and whose user is still active, read in the
 * transaction's org; unlike sign-in it ignores the token's expiry. For re-checking a grant made
 * when the token was live (a call's signaling seat): revocation ends it, expiry alone does not.
 */
export async function unrevokedTokenIdentity(tx: Tx, token: string): Promise<Identity | null> {
  const { rows } = await tx.query<{ org_id: string; org_name: string; user_id: string; email: string; display_name: string; roles: Role[] }>(
    `SELECT o.id AS org_id, o.name AS org_name, u.id AS user_id, u.email, u.display_name,
            coalesce((SELECT array_agg(m.role ORDER BY m.role) FROM memberships m WHERE m.org_id = u.org_id AND m.user_id = u.id), '{}') AS roles
     FROM api_tokens t
     JOIN users u ON u.org_id = t.org_id AND u.id = t.user_id
     JOIN orgs o ON o.id = t.org_id
     WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL AND u.active`,
    [tokenSha256(token)],
  );
  const r = rows[0];
  return r ? { orgId: r.org_id, orgName: r.org_name, userId: r.user_id, email: r.email, displayName: r.display_name, roles: r.roles } : null;
}

/** The identity of a live token, whatever its kind (the API's resolver adds the dev-token rule: api/token-resolver.ts). */
export async function resolveApiToken(db: Database, token: string): Promise<Identity | null> {
  return (await resolveApiTokenGrant(db, token))?.identity ?? null;
}

/** The dev org's id is derived from its name, so every start of the embedded runtime finds the same org without a cross-org lookup. */
export function devOrgId(orgName: string): string {
  const h = createHash('sha256').update(`feedback-evaluation dev org:${orgName}`).digest('hex');
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Creates or updates the embedded mode's dev identity (org, user, role, token); safe to call at
 * every start. Its state is replaced, not added to: the user keeps exactly `role`, `token` is the
 * org's one live dev token (any other, e.g. from an earlier FE_DEV_TOKEN or FE_DEV_USER_EMAIL, is
 * revoked), and its lifetime starts again.
 */
export async function ensureDevIdentity(
  db: Database,
  input: { orgName: string; userEmail: string; displayName: string; role: Role; token: string; ttlSec?: number },
): Promise<Identity> {
  const orgId = devOrgId(input.orgName);
  return db.withOrg(orgId, async (tx) => {
    await tx.query('INSERT INTO orgs (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name', [orgId, input.orgName]);
    const { rows } = await tx.query<UserRow>(
      `INSERT INTO users (org_id, email, display_name) VALUES ($1, $2, $3)
       ON CONFLICT (org_id, email) DO UPDATE SET display_name = EXCLUDED.display_name
       RETURNING *`,
      [orgId, input.userEmail, input.displayName],
    );
    const user = toUser(rows[0]!);
    await tx.query('DELETE FROM memberships WHERE user_id = $1 AND role <> $2', [user.id, input.role]);
    await addMembership(tx, { userId: user.id, role: input.role });
    await tx.query("UPDATE api_tokens SET revoked_at = now() WHERE kind = 'dev' AND token_sha256 <> $1 AND revoked_at IS NULL", [tokenSha256(input.token)]);
    await addApiToken(tx, { userId: user.id, token: input.token, label: 'dev identity', kind: 'dev', expiresAt: new Date(Date.now() + (input.ttlSec ?? DEFAULT_API_TOKEN_TTL_SEC) * 1000) });
    return { orgId, orgName: input.orgName, userId: user.id, email: user.email, displayName: user.displayName, roles: await listRoles(tx, user.id) };
  });
}

interface OrgRow {
  id: string;
  name: string;
  created_at: Date;
}
interface UserRow {
  id: string;
  org_id: string;
  email: string;
  display_name: string;
  created_at: Date;
}
interface MembershipRow {
  id: string;
  org_id: string;
  user_id: string;
  role: Role;
  created_at: Date;
}

interface ApiTokenRow {
  id: string;
  org_id: string;
  user_id: string;
  kind: ApiTokenKind;
  label: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

function toApiToken(r: ApiTokenRow): ApiToken {
  return { id: r.id, orgId: r.org_id, userId: r.user_id, kind: r.kind, label: r.label, createdAt: iso(r.created_at), expiresAt: iso(r.expires_at), revokedAt: isoOrNull(r.revoked_at) };
}

function toOrg(r: OrgRow): Org {
  return { id: r.id, name: r.name, createdAt: iso(r.created_at) };
}
function toUser(r: UserRow): User {
  return { id: r.id, orgId: r.org_id, email: r.email, displayName: r.display_name, createdAt: iso(r.created_at) };
}
function toMembership(r: MembershipRow): Membership {
  return { id: r.id, orgId: r.org_id, userId: r.user_id, role: r.role, createdAt: iso(r.created_at) };
}

/** Revokes the live token whose secret is `token` (sign-out of this one session); false when there is none. */
export async function revokeApiTokenSecret(tx: Tx, token: string): Promise<boolean> {
  const { rowCount } = await tx.query('UPDATE api_tokens SET revoked_at = now() WHERE token_sha256 = $1 AND revoked_at IS NULL', [tokenSha256(token)]);
  return rowCount > 0;
}

/** Sets the user's roles to exactly `roles` (an IdP's mapping is the source of truth at each sign-in). */
export async function setRoles(tx: Tx, userId: string, roles: readonly Role[]): Promise<void> {
  await tx.query('DELETE FROM memberships WHERE user_id = $1 AND NOT (role = ANY($2::text[]))', [userId, roles]);
  for (const role of roles) await addMembership(tx, { userId, role });
}

/** False for a user deactivated (or deleted) by SCIM provisioning: sign-ins refuse it (auth.user_deactivated). */
export async function isUserActive(tx: Tx, userId: string): Promise<boolean> {
  const { rows } = await tx.query<{ active: boolean }>('SELECT active FROM users WHERE id = $1', [userId]);
  return rows[0]?.active === true;
}

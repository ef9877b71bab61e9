import { createHash } from 'node:crypto';
import type { Database, Tx } from '../database';
import { orgOf } from '../database';
import { iso } from '../row-values';

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

/** Stores only the token's sha256. Re-adding the same token points it at this user. */
export async function addApiToken(tx: Tx, input: { userId: string; token: string; label?: string }): Promise<void> {
  await tx.query(
    `INSERT INTO api_tokens (org_id, user_id, token_sha256, label) VALUES ($1, $2, $3, $4)
     ON CONFLICT (token_sha256) DO UPDATE SET user_id = EXCLUDED.user_id, label = EXCLUDED.label`,
    [orgOf(tx), input.userId, tokenSha256(input.token), input.label ?? ''],
  );
}

/**
 * Sign-in: which org and user a bearer token belongs to. This is the one lookup that spans orgs;
 * it goes through the SECURITY DEFINER function resolve_api_token (see migration 0001), never
 * through a broader role.
 */
export async function resolveApiToken(db: Database, token: string): Promise<Identity | null> {
  return db.withoutOrg(async (tx) => {
    const { rows } = await tx.query<{ org_id: string; org_name: string; user_id: string; email: string; display_name: string; roles: Role[] }>(
      'SELECT * FROM resolve_api_token($1)',
      [tokenSha256(token)],
    );
    const r = rows[0];
    return r ? { orgId: r.org_id, orgName: r.org_name, userId: r.user_id, email: r.email, displayName: r.display_name, roles: r.roles } : null;
  });
}

/** The dev org's id is derived from its name, so every start of the embedded runtime finds the same org without a cross-org lookup. */
export function devOrgId(orgName: string): string {
  const h = createHash('sha256').update(`feedback-evaluation dev org:${orgName}`).digest('hex');
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Creates or updates the embedded mode's dev identity (org, user, role, token); safe to call at every start. */
export async function ensureDevIdentity(
  db: Database,
  input: { orgName: string; userEmail: string; displayName: string; role: Role; token: string },
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
    await addMembership(tx, { userId: user.id, role: input.role });
    await addApiToken(tx, { userId: user.id, token: input.token, label: 'dev identity' });
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

function toOrg(r: OrgRow): Org {
  return { id: r.id, name: r.name, createdAt: iso(r.created_at) };
}
function toUser(r: UserRow): User {
  return { id: r.id, orgId: r.org_id, email: r.email, displayName: r.display_name, createdAt: iso(r.created_at) };
}
function toMembership(r: MembershipRow): Membership {
  return { id: r.id, orgId: r.org_id, userId: r.user_id, role: r.role, createdAt: iso(r.created_at) };
}

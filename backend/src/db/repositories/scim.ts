import type { Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { iso } from '../row-values';
import { tokenSha256, type Role } from './identity';

/** A user as SCIM sees it (docs/decisions/021). */
export interface ScimUserRow {
  id: string;
  email: string;
  displayName: string;
  externalId: string | null;
  name: { givenName?: string; familyName?: string; formatted?: string } | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ScimGroupRow {
  id: string;
  displayName: string;
  externalId: string | null;
  members: { userId: string; displayName: string }[];
  createdAt: string;
  updatedAt: string;
}

/** The org's SCIM credential (its sha256) and group → role map; replaces any earlier one. */
export async function putScimCredential(tx: Tx, input: { token: string; roleMap: Record<string, Role> }): Promise<void> {
  await tx.query(
    `INSERT INTO scim_credentials (org_id, token_sha256, role_map) VALUES ($1, $2, $3)
     ON CONFLICT (org_id) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, role_map = EXCLUDED.role_map, created_at = now()`,
    [orgOf(tx), tokenSha256(input.token), JSON.stringify(input.roleMap)],
  );
}

/** The group → role map when `token` is the org's SCIM credential, else null. */
export async function checkScimCredential(tx: Tx, token: string): Promise<Record<string, Role> | null> {
  const { rows } = await tx.query<{ role_map: Record<string, Role> }>('SELECT role_map FROM scim_credentials WHERE token_sha256 = $1', [tokenSha256(token)]);
  return rows[0]?.role_map ?? null;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  external_id: string | null;
  scim_name: ScimUserRow['name'];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}
const toUser = (r: UserRow): ScimUserRow => ({ id: r.id, email: r.email, displayName: r.display_name, externalId: r.external_id, name: r.scim_name, active: r.active, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) });

/** Users SCIM may see: every user of the org that SCIM has not deleted. */
export async function listScimUsers(tx: Tx): Promise<ScimUserRow[]> {
  const { rows } = await tx.query<UserRow>('SELECT * FROM users WHERE scim_deleted_at IS NULL ORDER BY created_at, id');
  return rows.map(toUser);
}

export async function getScimUser(tx: Tx, id: string): Promise<ScimUserRow | null> {
  if (!isUuid(id)) return null;
  const { rows } = await tx.query<UserRow>('SELECT * FROM users WHERE id = $1 AND scim_deleted_at IS NULL', [id]);
  return rows[0] ? toUser(rows[0]) : null;
}

export type ScimUserInput = Omit<ScimUserRow, 'id' | 'createdAt' | 'updatedAt'>;

/** Creates a user; null when the org already has one with this email (SCIM 409 uniqueness). */
export async function insertScimUser(tx: Tx, u: ScimUserInput): Promise<ScimUserRow | null> {
  const { rows } = await tx.query<UserRow>(
    `INSERT INTO users (org_id, email, display_name, external_id, scim_name, active) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (org_id, email) DO NOTHING RETURNING *`,
    [orgOf(tx), u.email, u.displayName, u.externalId, u.name ? JSON.stringify(u.name) : null, u.active],
  );
  return rows[0] ? toUser(rows[0]) : null;
}

export async function updateScimUser(tx: Tx, id: string, u: ScimUserInput): Promise<ScimUserRow | null> {
  const { rows } = await tx.query<UserRow>(
    `UPDATE users SET email = $2, display_name = $3, external_id = $4, scim_name = $5, active = $6, updated_at = now()
     WHERE id = $1 AND scim_deleted_at IS NULL RETURNING *`,
    [id, u.email, u.displayName, u.externalId, u.name ? JSON.stringify(u.name) : null, u.active],
  );
  return rows[0] ? toUser(rows[0]) : null;
}

/** SCIM DELETE: the row stays (sessions and audit entries name it), deactivated and hidden from SCIM. */
export async function deleteScimUser(tx: Tx, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { rowCount } = await tx.query('UPDATE users SET active = false, scim_deleted_at = now(), updated_at = now() WHERE id = $1 AND scim_deleted_at IS NULL', [id]);
  if (rowCount > 0) await tx.query('DELETE FROM scim_group_members WHERE user_id = $1', [id]);
  return rowCount > 0;
}

/** The display names of the groups a user is a member of. */
export async function groupsOfUser(tx: Tx, userId: string): Promise<{ id: string; displayName: string }[]> {
  const { rows } = await tx.query<{ id: string; display_name: string }>('SELECT g.id, g.display_name FROM scim_groups g JOIN scim_group_members m ON m.group_id = g.id WHERE m.user_id = $1 ORDER BY g.display_name', [userId]);
  return rows.map((r) => ({ id: r.id, displayName: r.display_name }));
}

interface GroupRow {
  id: string;
  display_name: string;
  external_id: string | null;
  created_at: Date;
  updated_at: Date;
  members: { userId: string; displayName: string }[] | null;
}
const GROUP_SELECT = `SELECT g.*, (SELECT json_agg(json_build_object('userId', u.id, 'displayName', u.display_name) ORDER BY u.created_at, u.id)
  FROM scim_group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = g.id) AS members FROM scim_groups g`;
const toGroup = (r: GroupRow): ScimGroupRow => ({ id: r.id, displayName: r.display_name, externalId: r.external_id, members: r.members ?? [], createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) });

export async function listScimGroups(tx: Tx): Promise<ScimGroupRow[]> {
  const { rows } = await tx.query<GroupRow>(`${GROUP_SELECT} ORDER BY g.created_at, g.id`);
  return rows.map(toGroup);
}

export async function getScimGroup(tx: Tx, id: string): Promise<ScimGroupRow | null> {
  if (!isUuid(id)) return null;
  const { rows } = await tx.query<GroupRow>(`${GROUP_SELECT} WHERE g.id = $1`, [id]);
  return rows[0] ? toGroup(rows[0]) : null;
}

/** Creates (id null) or replaces a group and its member list; null on a duplicate displayName, or an unknown id. Returns the users whose membership changed. */
export async function putScimGroup(tx: Tx, id: string | null, g: { displayName: string; externalId: string | null; memberIds: string[] }): Promise<{ group: ScimGroupRow; changed: string[] } | null> {
  const { rows } = id
    ? await tx.query<{ id: string }>('UPDATE scim_groups SET display_name = $2, external_id = $3, updated_at = now() WHERE id = $1 RETURNING id', [id, g.displayName, g.externalId])
    : await tx.query<{ id: string }>('INSERT INTO scim_groups (org_id, display_name, external_id) VALUES ($1, $2, $3) ON CONFLICT (org_id, display_name) DO NOTHING RETURNING id', [orgOf(tx), g.displayName, g.externalId]);
  const groupId = rows[0]?.id;
  if (!groupId) return null;
  const wanted = [...new Set(g.memberIds.filter(isUuid))];
  const { rows: before } = await tx.query<{ user_id: string }>('SELECT user_id FROM scim_group_members WHERE group_id = $1', [groupId]);
  const had = new Set(before.map((r) => r.user_id));
  await tx.query('DELETE FROM scim_group_members WHERE group_id = $1 AND NOT (user_id = ANY($2::uuid[]))', [groupId, wanted]);
  // Only users SCIM can see may become members (another org's id finds no row under row security).
  await tx.query('INSERT INTO scim_group_members (org_id, group_id, user_id) SELECT $1, $2, u.id FROM users u WHERE u.id = ANY($3::uuid[]) AND u.scim_deleted_at IS NULL ON CONFLICT DO NOTHING', [orgOf(tx), groupId, wanted]);
  const changed = [...new Set([...had].filter((u) => !wanted.includes(u)).concat(wanted.filter((u) => !had.has(u))))];
  return { group: (await getScimGroup(tx, groupId))!, changed };
}

/** Deletes a group; returns its former members (their roles change), or null when there is no such group. */
export async function deleteScimGroup(tx: Tx, id: string): Promise<string[] | null> {
  if (!isUuid(id)) return null;
  const { rows } = await tx.query<{ user_id: string }>('SELECT user_id FROM scim_group_members WHERE group_id = $1', [id]);
  const { rowCount } = await tx.query('DELETE FROM scim_groups WHERE id = $1', [id]);
  return rowCount > 0 ? rows.map((r) => r.user_id) : null;
}

import type { Tx } from '../database';
import { orgOf } from '../database';
import { tokenSha256 } from './identity';

/** A stored refresh token (never the token itself). */
export interface RefreshTokenRow {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  familyExpiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

interface Row { id: string; user_id: string; family_id: string; expires_at: Date; family_expires_at: Date; rotated_at: Date | null; revoked_at: Date | null }
const toRow = (r: Row): RefreshTokenRow => ({ id: r.id, userId: r.user_id, familyId: r.family_id, expiresAt: r.expires_at, familyExpiresAt: r.family_expires_at, rotatedAt: r.rotated_at, revokedAt: r.revoked_at });

/** Stores a refresh token of `familyId` for a user of the transaction's org (its sha256 only). */
export async function addRefreshToken(tx: Tx, input: { token: string; userId: string; familyId: string; expiresAt: Date; familyExpiresAt: Date }): Promise<void> {
  await tx.query(
    'INSERT INTO refresh_tokens (org_id, user_id, family_id, token_sha256, expires_at, family_expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [orgOf(tx), input.userId, input.familyId, tokenSha256(input.token), input.expiresAt, input.familyExpiresAt],
  );
}

/**
 * Spends a live refresh token (unrotated, unrevoked, unexpired): its row, now rotated, or null. One
 * UPDATE, so two concurrent refreshes with the same token cannot both succeed.
 */
export async function spendRefreshToken(tx: Tx, token: string): Promise<RefreshTokenRow | null> {
  const { rows } = await tx.query<Row>(
    `UPDATE refresh_tokens SET rotated_at = now()
     WHERE token_sha256 = $1 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now() AND family_expires_at > now()
     RETURNING id, user_id, family_id, expires_at, family_expires_at, rotated_at, revoked_at`,
    [tokenSha256(token)],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

export async function findRefreshToken(tx: Tx, token: string): Promise<RefreshTokenRow | null> {
  const { rows } = await tx.query<Row>('SELECT id, user_id, family_id, expires_at, family_expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_sha256 = $1', [tokenSha256(token)]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** Revokes every refresh token of the family and every access token it issued; how many refresh tokens were still unrevoked. */
export async function revokeRefreshFamily(tx: Tx, familyId: string): Promise<number> {
  const { rowCount } = await tx.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
  await tx.query('UPDATE api_tokens SET revoked_at = now() WHERE refresh_family_id = $1 AND revoked_at IS NULL', [familyId]);
  return rowCount;
}

/** Every live refresh token of a user (SCIM deactivation, deletion): a later reactivation brings none of them back. */
export async function revokeUserRefreshTokens(tx: Tx, userId: string): Promise<number> {
  const { rowCount } = await tx.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
  return rowCount;
}

/** Marks the access token (by its secret) as issued by the family, so revoking the family revokes it. */
export async function bindAccessTokenToFamily(tx: Tx, accessToken: string, familyId: string): Promise<void> {
  await tx.query('UPDATE api_tokens SET refresh_family_id = $1 WHERE token_sha256 = $2', [familyId, tokenSha256(accessToken)]);
}

/** Deletes the user's refresh tokens of families that have ended; how many. */
export async function pruneEndedRefreshFamilies(tx: Tx, userId: string): Promise<number> {
  const { rowCount } = await tx.query('DELETE FROM refresh_tokens WHERE user_id = $1 AND family_expires_at <= now()', [userId]);
  return rowCount;
}

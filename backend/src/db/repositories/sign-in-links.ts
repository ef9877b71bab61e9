import type { Tx } from '../database';
import { orgOf } from '../database';
import { tokenSha256 } from './identity';

/** Stores a one-time sign-in link's secret (its sha256 only) for a user of the transaction's org. */
export async function addSignInLink(tx: Tx, input: { token: string; userId: string; expiresAt: Date }): Promise<void> {
  await tx.query('INSERT INTO sign_in_links (token_sha256, org_id, user_id, expires_at) VALUES ($1, $2, $3, $4)', [tokenSha256(input.token), orgOf(tx), input.userId, input.expiresAt]);
}

/** Spends the link: the user it was for when it is unused and unexpired, else null (and it stays spent or expired). */
export async function takeSignInLink(tx: Tx, token: string): Promise<string | null> {
  const { rows } = await tx.query<{ user_id: string }>(
    'UPDATE sign_in_links SET used_at = now() WHERE token_sha256 = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id',
    [tokenSha256(token)],
  );
  return rows[0]?.user_id ?? null;
}

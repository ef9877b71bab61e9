import type { Database, Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { iso, isoOrNull } from '../row-values';
import { tokenSha256 } from './identity';

/** An invite to a session's channel 1 (see migration 0006). The code itself is never stored. */
export interface SessionInvite {
  id: string;
  orgId: string;
  sessionId: string;
  channel: 1;
  createdBy: string;
  expiresAt: string;
  redemptions: number;
  lastRedeemedAt: string | null;
  createdAt: string;
}

/** What an unexpired, unused code names, found across orgs. */
export interface LiveInvite {
  orgId: string;
  inviteId: string;
  sessionId: string;
  channel: 1;
  expiresAt: string;
}

export interface GuestToken {
  id: string;
  orgId: string;
  sessionId: string;
  inviteId: string;
  channel: 1;
  displayName: string;
  consentId: string;
  expiresAt: string;
  createdAt: string;
}

/** Who an unexpired guest token stands for: one participant of one session, nothing more. */
export interface GuestIdentity {
  orgId: string;
  guestId: string;
  sessionId: string;
  channel: 1;
  displayName: string;
  expiresAt: string;
}

/**
 * Stores the code's sha256. Returns null when that hash already exists (in any org, expired or
 * not): the caller draws another code. ON CONFLICT DO NOTHING keeps the transaction usable.
 */
export async function createInvite(tx: Tx, input: { sessionId: string; createdBy: string; code: string; expiresAt: Date }): Promise<SessionInvite | null> {
  const { rows } = await tx.query<InviteRow>(
    `INSERT INTO session_invites (org_id, session_id, code_sha256, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (code_sha256) DO NOTHING RETURNING *`,
    [orgOf(tx), input.sessionId, tokenSha256(input.code), input.createdBy, input.expiresAt],
  );
  return rows[0] ? toInvite(rows[0]) : null;
}

export async function listInvites(tx: Tx, sessionId: string): Promise<SessionInvite[]> {
  if (!isUuid(sessionId)) return [];
  const { rows } = await tx.query<InviteRow>('SELECT * FROM session_invites WHERE session_id = $1 ORDER BY created_at DESC, id', [sessionId]);
  return rows.map(toInvite);
}

/** The one lookup of a code, which spans orgs: through the SECURITY DEFINER function resolve_session_invite. */
export async function findLiveInvite(db: Database, code: string): Promise<LiveInvite | null> {
  return db.withoutOrg(async (tx) => {
    const { rows } = await tx.query<{ org_id: string; invite_id: string; session_id: string; expires_at: Date }>('SELECT * FROM resolve_session_invite($1)', [tokenSha256(code)]);
    const r = rows[0];
    return r ? { orgId: r.org_id, inviteId: r.invite_id, sessionId: r.session_id, channel: 1, expiresAt: iso(r.expires_at) } : null;
  });
}

/**
 * Marks a live, unused invite as redeemed; false when it was used (or expired) meanwhile. The row
 * lock makes a concurrent claim wait and then find redemptions = 1.
 */
export async function claimInvite(tx: Tx, inviteId: string): Promise<boolean> {
  const { rowCount } = await tx.query('UPDATE session_invites SET redemptions = redemptions + 1, last_redeemed_at = now() WHERE id = $1 AND redemptions = 0 AND expires_at > now()', [inviteId]);
  return rowCount === 1;
}

/** Stores only the token's sha256. */
export async function createGuestToken(
  tx: Tx,
  input: { sessionId: string; inviteId: string; displayName: string; consentId: string; token: string; expiresAt: Date },
): Promise<GuestToken> {
  const { rows } = await tx.query<GuestTokenRow>(
    `INSERT INTO guest_tokens (org_id, session_id, invite_id, display_name, consent_id, token_sha256, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [orgOf(tx), input.sessionId, input.inviteId, input.displayName, input.consentId, tokenSha256(input.token), input.expiresAt],
  );
  const r = rows[0]!;
  return { id: r.id, orgId: r.org_id, sessionId: r.session_id, inviteId: r.invite_id, channel: 1, displayName: r.display_name, consentId: r.consent_id, expiresAt: iso(r.expires_at), createdAt: iso(r.created_at) };
}

/** Guest sign-in, across orgs through resolve_guest_token; expired or unknown tokens give null. */
export async function resolveGuestToken(db: Database, token: string): Promise<GuestIdentity | null> {
  return db.withoutOrg(async (tx) => {
    const { rows } = await tx.query<{ org_id: string; guest_id: string; session_id: string; display_name: string; expires_at: Date }>('SELECT * FROM resolve_guest_token($1)', [tokenSha256(token)]);
    const r = rows[0];
    return r ? { orgId: r.org_id, guestId: r.guest_id, sessionId: r.session_id, channel: 1, displayName: r.display_name, expiresAt: iso(r.expires_at) } : null;
  });
}

/** Whether the guest's pass still exists in the transaction's org (a deleted session takes its passes with it); expiry is not looked at. */
export async function guestTokenExists(tx: Tx, guestId: string): Promise<boolean> {
  if (!isUuid(guestId)) return false;
  const { rows } = await tx.query('SELECT 1 FROM guest_tokens WHERE id = $1', [guestId]);
  return rows.length > 0;
}

interface InviteRow {
  id: string;
  org_id: string;
  session_id: string;
  created_by: string;
  expires_at: Date;
  redemptions: number;
  last_redeemed_at: Date | null;
  created_at: Date;
}
interface GuestTokenRow {
  id: string;
  org_id: string;
  session_id: string;
  invite_id: string;
  display_name: string;
  consent_id: string;
  expires_at: Date;
  created_at: Date;
}

function toInvite(r: InviteRow): SessionInvite {
  return { id: r.id, orgId: r.org_id, sessionId: r.session_id, channel: 1, createdBy: r.created_by, expiresAt: iso(r.expires_at), redemptions: r.redemptions, lastRedeemedAt: isoOrNull(r.last_redeemed_at), createdAt: iso(r.created_at) };
}

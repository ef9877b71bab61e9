import { randomBytes } from 'node:crypto';
import { AppError } from '../../../app/contracts/errors';
import { GUEST_TOKEN_PREFIX, SIGNAL_PATH, type CreateInviteResponse, type JoinRequest, type JoinResponse } from '../../../app/contracts/signaling';
import type { Database } from '../db/database';
import { appendAuditEvent } from '../db/repositories/audit';
import * as invites from '../db/repositories/invites';
import * as sessions from '../db/repositories/sessions';
import type { Identity } from '../api/auth';

export interface InviteServiceDeps {
  db: Database;
  /** How long a code can be redeemed. */
  inviteTtlSec: number;
  /** How long a guest token admits its holder to the signaling (connects and reconnects). */
  guestTokenTtlSec: number;
}

// Crockford base32: no I, L, O, U, so a code read aloud or typed is not misread.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/**
 * 12 characters, 60 random bits. A code is single-use and expires (FE_INVITE_TTL_SEC), and wrong
 * codes are rate-limited per client address; 60 bits keep guessing hopeless even for an attacker
 * with many addresses: 10^6 live codes, 10^4 guesses a second for a day hit one with a
 * probability of 10^6 · 8.6·10^8 / 2^60 ≈ 7·10^-4 (40 bits, the old length, made it a certainty).
 */
export const CODE_LENGTH = 12;

export function newInviteCode(): string {
  const bytes = randomBytes(8);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  // 64 bits drawn, the low 60 used.
  for (let i = CODE_LENGTH - 1; i >= 0; i--) out += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return out;
}

/** What a person may type for a code: any case, spaces or hyphens, O for 0, I or L for 1. Null if it cannot be a code. */
export function normalizeInviteCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return s.length === CODE_LENGTH && [...s].every((c) => ALPHABET.includes(c)) ? s : null;
}

const invalidInvite = () => new AppError('invite.invalid', 'This invite code is unknown, already used or expired. Ask the person who invited you for a new one.');

/** Invites to a session's channel 1, and their redemption by a guest who consents. */
export function createInviteService(deps: InviteServiceDeps) {
  const { db } = deps;
  return {
    async createInvite(who: Identity, sessionId: string): Promise<CreateInviteResponse> {
      return db.withOrg(who.orgId, async (tx) => {
        const s = await sessions.getSession(tx, sessionId);
        if (!s) throw new AppError('session.not_found', `Session ${sessionId} not found`);
        const expiresAt = new Date(Date.now() + deps.inviteTtlSec * 1000);
        // A collision with any stored code is all but impossible (60 bits), but cheap to handle: draw again.
        for (let attempt = 0; attempt < 5; attempt++) {
          const code = newInviteCode();
          const invite = await invites.createInvite(tx, { sessionId, createdBy: who.userId, code, expiresAt });
          if (!invite) continue;
          await appendAuditEvent(tx, { actorUserId: who.userId, action: 'invite.created', targetType: 'session', targetId: sessionId, data: { inviteId: invite.id, channel: 1, expiresAt: invite.expiresAt } });
          return { inviteId: invite.id, sessionId, code, path: `/?join=${code}`, expiresAt: invite.expiresAt };
        }
        throw new AppError('internal', 'Could not draw an unused invite code');
      });
    },

    /**
     * The guest's own consent is recorded on channel 1 before any token is issued. A code is
     * redeemed once: the claim is one conditional UPDATE, so of two concurrent joins with the same
     * code exactly one gets a token (the other invite.invalid, and nothing of it is stored). The
     * guest reconnects with the guest token, not the code.
     */
    async redeem(req: JoinRequest): Promise<JoinResponse> {
      if (req.consent?.given !== true) throw new AppError('consent.missing', 'You must consent to the recording before joining the session.');
      const code = normalizeInviteCode(req.code);
      const live = code ? await invites.findLiveInvite(db, code) : null;
      if (!live) throw invalidInvite();
      const token = `${GUEST_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const expiresAt = new Date(Date.now() + deps.guestTokenTtlSec * 1000);
      return db.withOrg(live.orgId, async (tx) => {
        const s = await sessions.getSession(tx, live.sessionId);
        const participant = s?.participants.find((p) => p.channel === live.channel);
        if (!s || !participant) throw invalidInvite();
        if (!(await invites.claimInvite(tx, live.inviteId))) throw invalidInvite();
        const consent = await sessions.recordConsent(tx, { participantId: participant.id, givenAt: new Date(), method: req.consent!.method, textVersion: req.consent!.textVersion });
        const guest = await invites.createGuestToken(tx, { sessionId: s.id, inviteId: live.inviteId, displayName: req.displayName, consentId: consent.id, token, expiresAt });
        await appendAuditEvent(tx, {
          actorUserId: null,
          action: 'consent.recorded',
          targetType: 'session',
          targetId: s.id,
          data: { channel: live.channel, method: consent.method, textVersion: consent.textVersion, by: 'guest', guestId: guest.id, guestDisplayName: guest.displayName, inviteId: live.inviteId },
        });
        await appendAuditEvent(tx, { actorUserId: null, action: 'invite.redeemed', targetType: 'session', targetId: s.id, data: { inviteId: live.inviteId, guestId: guest.id, expiresAt: guest.expiresAt } });
        return { guestToken: token, expiresAt: guest.expiresAt, sessionId: s.id, channel: 1, displayName: guest.displayName, signalPath: `${SIGNAL_PATH}?session=${s.id}` };
      });
    },

    resolveGuest: (token: string) => invites.resolveGuestToken(db, token),
  };
}
export type InviteService = ReturnType<typeof createInviteService>;

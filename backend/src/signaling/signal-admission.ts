import { AppError } from '../../../app/contracts/errors';
import { GUEST_TOKEN_PREFIX, type SignalRole } from '../../../app/contracts/signaling';
import type { Database } from '../db/database';
import { isUuid } from '../db/database';
import * as sessions from '../db/repositories/sessions';
import type { GuestIdentity } from '../db/repositories/invites';
import { authenticateToken, type IdentityResolver } from '../api/auth';

/** One side of a call, as admitted to a session's signaling room. */
export interface SignalParticipant {
  /** The same person reconnecting has the same key (their user, or their guest token). */
  key: string;
  role: SignalRole;
  channel: 0 | 1;
  displayName: string;
  orgId: string;
  sessionId: string;
}

export interface SignalAdmissionDeps {
  db: Database;
  /** The API's resolver, for the owner's normal token. */
  resolver: IdentityResolver;
  /** Guest tokens only: the guest's narrow resolver, used by signaling and nothing else. */
  resolveGuest(token: string): Promise<GuestIdentity | null>;
}

const OWNER_ROLES = ['clinician', 'org_admin'] as const;

/**
 * Who may open the session's signaling: a clinician or org admin of the session's org (channel 0),
 * or the holder of a guest token issued for this session (channel 1); either only once the
 * participant of their channel has consented.
 */
export async function admitToSignaling(deps: SignalAdmissionDeps, input: { sessionId: string | null; token: string | null }): Promise<SignalParticipant> {
  const { sessionId, token } = input;
  if (!sessionId || !isUuid(sessionId)) throw new AppError('request.invalid', 'Name the session: /v1/signal?session=<session id>', { status: 400 });
  let who: Omit<SignalParticipant, 'sessionId'>;
  if (token?.startsWith(GUEST_TOKEN_PREFIX)) {
    const guest = await deps.resolveGuest(token);
    if (!guest) throw new AppError('auth.invalid', 'This guest pass is not valid (expired or unknown). Join again with an invite code.');
    if (guest.sessionId !== sessionId) throw new AppError('auth.forbidden', 'This guest pass is for another session.');
    who = { key: `guest:${guest.guestId}`, role: 'guest', channel: 1, displayName: guest.displayName, orgId: guest.orgId };
  } else {
    const id = await authenticateToken(deps.resolver, token);
    if (!id.roles.some((r) => (OWNER_ROLES as readonly string[]).includes(r))) throw new AppError('auth.forbidden', `Your role (${id.roles.join(', ') || 'none'}) may not hold a session's call: it needs clinician or org_admin.`);
    who = { key: `user:${id.userId}`, role: 'owner', channel: 0, displayName: id.displayName, orgId: id.orgId };
  }
  const consented = await deps.db.withOrg(who.orgId, async (tx) => {
    const s = await sessions.getSession(tx, sessionId);
    if (!s) throw new AppError('session.not_found', `Session ${sessionId} not found`);
    return s.participants.find((p) => p.channel === who.channel)?.consent != null;
  });
  if (!consented) throw new AppError('consent.missing', `The participant on channel ${who.channel} has not consented to the recording; record the consent before joining the call.`);
  return { ...who, sessionId };
}

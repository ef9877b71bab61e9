import { AppError, isAppError } from '../../../app/contracts/errors';
import { GUEST_TOKEN_PREFIX, type SignalRole } from '../../../app/contracts/signaling';
import type { Database } from '../db/database';
import { isUuid } from '../db/database';
import * as sessions from '../db/repositories/sessions';
import { guestTokenExists, type GuestIdentity } from '../db/repositories/invites';
import { unrevokedTokenIdentity } from '../db/repositories/identity';
import { authenticateToken, type IdentityResolver } from '../api/auth';
import type { Authorizer } from '../access/authorizer';
import type { AccessSubject } from '../access/access-policy';

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
  /** The access policy: call.join_owner (the session's creator only) and call.join_guest (that session's pass only). */
  authorizer: Authorizer;
}

/**
 * Who may open the session's signaling, as the access policy decides: the user who created the
 * session (channel 0, call.join_owner), or the holder of a guest token issued for this session
 * (channel 1, call.join_guest); either only once the participant of their channel has consented.
 * A session the caller may not know of is session.not_found, whoever holds its seat.
 */
export async function admitToSignaling(deps: SignalAdmissionDeps, input: { sessionId: string | null; token: string | null }): Promise<SignalParticipant> {
  const { sessionId, token } = input;
  if (!sessionId || !isUuid(sessionId)) throw new AppError('request.invalid', 'Name the session: /v1/signal?session=<session id>', { status: 400 });
  let who: Omit<SignalParticipant, 'sessionId'>;
  let subject: AccessSubject;
  if (token?.startsWith(GUEST_TOKEN_PREFIX)) {
    const guest = await deps.resolveGuest(token);
    if (!guest) throw new AppError('auth.invalid', 'This guest pass is not valid (expired or unknown). Join again with an invite code.');
    who = { key: `guest:${guest.guestId}`, role: 'guest', channel: 1, displayName: guest.displayName, orgId: guest.orgId };
    subject = { kind: 'guest', orgId: guest.orgId, guestId: guest.guestId, sessionId: guest.sessionId };
  } else {
    const id = await authenticateToken(deps.resolver, token);
    who = { key: `user:${id.userId}`, role: 'owner', channel: 0, displayName: id.displayName, orgId: id.orgId };
    subject = await deps.authorizer.subjectOf(id);
  }
  await deps.authorizer.requireSession(subject, who.role === 'owner' ? 'call.join_owner' : 'call.join_guest', sessionId);
  const consented = await deps.db.withOrg(who.orgId, async (tx) => {
    const s = await sessions.getSession(tx, sessionId);
    if (!s) throw new AppError('session.not_found', `Session ${sessionId} not found`);
    return s.participants.find((p) => p.channel === who.channel)?.consent != null;
  });
  if (!consented) throw new AppError('consent.missing', `The participant on channel ${who.channel} has not consented to the recording; record the consent before joining the call.`);
  return { ...who, sessionId };
}

/**
 * Re-checks a seat taken earlier with `token`, as at admission but with the current state: the
 * owner's token not revoked and their user still active (auth.invalid), their roles still allowing
 * call.join_owner on the session, the guest's pass still existing, the session still there
 * (session.not_found). Expiry after admission does not end a call (the desktop's access token lasts
 * 15 minutes, a guest pass an hour; decision 030). Returns the refusal, or null while the seat holds;
 * a failed lookup throws (the caller keeps the seat until the next check). A refusal by the policy
 * is audited (access.denied), a grant is not (it was audited at admission).
 */
export async function recheckSeat(deps: SignalAdmissionDeps, who: SignalParticipant, token: string): Promise<AppError | null> {
  let subject: AccessSubject;
  const action = who.role === 'owner' ? 'call.join_owner' : 'call.join_guest';
  const session = await deps.authorizer.loadSession(who.orgId, who.sessionId);
  if (who.role === 'guest') {
    const guestId = who.key.slice('guest:'.length);
    // A deleted session takes its guest passes with it: say the session is gone, not the pass.
    if (!session) return new AppError('session.not_found', `Session ${who.sessionId} not found`);
    if (!(await deps.db.withOrg(who.orgId, (tx) => guestTokenExists(tx, guestId)))) return new AppError('auth.invalid', 'This guest pass is no longer valid.');
    subject = { kind: 'guest', orgId: who.orgId, guestId, sessionId: who.sessionId };
  } else {
    const id = await deps.db.withOrg(who.orgId, (tx) => unrevokedTokenIdentity(tx, token));
    if (!id || `user:${id.userId}` !== who.key) return new AppError('auth.invalid', 'You were signed out (the token was revoked or the account deactivated).');
    subject = await deps.authorizer.subjectOf(id);
  }
  if (session && deps.authorizer.permits(subject, action, session)) return null;
  try {
    await deps.authorizer.requireSession(subject, action, who.sessionId);
    return null;
  } catch (e) {
    if (isAppError(e) && e.code !== 'internal') return e;
    throw e;
  }
}

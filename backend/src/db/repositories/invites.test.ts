import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../database';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { resolveApiToken, tokenSha256 } from './identity';
import { createGuestToken, createInvite, findLiveInvite, listInvites, claimInvite, resolveGuestToken } from './invites';
import { createSessionWithParticipants, recordConsent } from './sessions';

let t: TestDatabase;
let a: { orgId: string; userId: string };
let b: { orgId: string; userId: string };
beforeAll(async () => {
  t = await createTestDatabase();
  a = await seedOrg(t.db);
  b = await seedOrg(t.db);
});
afterAll(() => t.drop());

const inOneHour = () => new Date(Date.now() + 3600_000);
const anHourAgo = () => new Date(Date.now() - 3600_000);

async function sessionIn(org: { orgId: string; userId: string }) {
  return t.db.withOrg(org.orgId, async (tx) => {
    const s = await createSessionWithParticipants(tx, {
      title: 'Visit',
      rubricId: 'general-communication',
      createdBy: org.userId,
      participants: [
        { channel: 0, displayName: 'Dr. A', roleLabel: 'clinician' },
        { channel: 1, displayName: 'Pat', roleLabel: 'patient' },
      ],
    });
    const consent = await recordConsent(tx, { participantId: s.participants[1]!.id, givenAt: new Date(), method: 'in_app', textVersion: 'v1' });
    return { session: s, consentId: consent.id };
  });
}

async function adminRows(sql: string, values: unknown[] = []) {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    return (await c.query(sql, values)).rows;
  } finally {
    await c.end();
  }
}

describe('invites repository', () => {
  it('stores only the code\'s sha256 and finds the live invite by its code from outside any org', async () => {
    const { session } = await sessionIn(a);
    const invite = await t.db.withOrg(a.orgId, (tx) => createInvite(tx, { sessionId: session.id, createdBy: a.userId, code: 'K7Q2M9XD', expiresAt: inOneHour() }));
    expect(invite).toMatchObject({ orgId: a.orgId, sessionId: session.id, channel: 1, redemptions: 0, lastRedeemedAt: null });
    const stored = await adminRows('SELECT code_sha256 FROM session_invites WHERE id = $1', [invite!.id]);
    expect(stored).toEqual([{ code_sha256: tokenSha256('K7Q2M9XD') }]);
    expect(await findLiveInvite(t.db, 'K7Q2M9XD')).toEqual({ orgId: a.orgId, inviteId: invite!.id, sessionId: session.id, channel: 1, expiresAt: invite!.expiresAt });
    expect(await findLiveInvite(t.db, 'K7Q2M9XE')).toBeNull();
  });

  it('does not find an expired invite', async () => {
    const { session } = await sessionIn(a);
    await t.db.withOrg(a.orgId, (tx) => createInvite(tx, { sessionId: session.id, createdBy: a.userId, code: 'EXP1RED0', expiresAt: anHourAgo() }));
    expect(await findLiveInvite(t.db, 'EXP1RED0')).toBeNull();
  });

  it('returns null instead of failing when the code is already taken, even in another org', async () => {
    const sa = await sessionIn(a);
    const sb = await sessionIn(b);
    await t.db.withOrg(a.orgId, (tx) => createInvite(tx, { sessionId: sa.session.id, createdBy: a.userId, code: 'SAMECODE', expiresAt: inOneHour() }));
    const again = await t.db.withOrg(b.orgId, async (tx) => {
      const first = await createInvite(tx, { sessionId: sb.session.id, createdBy: b.userId, code: 'SAMECODE', expiresAt: inOneHour() });
      // The transaction is still usable after the conflict.
      const second = await createInvite(tx, { sessionId: sb.session.id, createdBy: b.userId, code: 'OTHERCDE', expiresAt: inOneHour() });
      return { first, second };
    });
    expect(again.first).toBeNull();
    expect(again.second?.orgId).toBe(b.orgId);
    expect((await findLiveInvite(t.db, 'SAMECODE'))?.orgId).toBe(a.orgId);
  });

  it('keeps invites and guest tokens inside their org (row-level security)', async () => {
    const { session, consentId } = await sessionIn(a);
    const invite = (await t.db.withOrg(a.orgId, (tx) => createInvite(tx, { sessionId: session.id, createdBy: a.userId, code: 'RLSCHECK', expiresAt: inOneHour() })))!;
    await t.db.withOrg(a.orgId, (tx) => createGuestToken(tx, { sessionId: session.id, inviteId: invite.id, displayName: 'Pat', consentId, token: 'feg_rls', expiresAt: inOneHour() }));
    const guestRows = (tx: Tx) => tx.query('SELECT id FROM guest_tokens WHERE session_id = $1', [session.id]);
    expect(await t.db.withOrg(a.orgId, (tx) => listInvites(tx, session.id))).toHaveLength(1);
    expect((await t.db.withOrg(a.orgId, guestRows)).rows).toHaveLength(1);
    expect(await t.db.withOrg(b.orgId, (tx) => listInvites(tx, session.id))).toEqual([]);
    expect((await t.db.withOrg(b.orgId, guestRows)).rows).toEqual([]);
    expect((await t.db.withoutOrg(guestRows)).rows).toEqual([]);
    await expect(t.db.withOrg(b.orgId, (tx) => createInvite(tx, { sessionId: session.id, createdBy: b.userId, code: 'RLSCROSS', expiresAt: inOneHour() }))).rejects.toMatchObject({ code: '23503' });
  });

  it('lets an invite be claimed once: a used code no longer resolves and cannot be claimed again', async () => {
    const { session } = await sessionIn(a);
    const invite = await t.db.withOrg(a.orgId, (tx) => createInvite(tx, { sessionId: session.id, createdBy: a.userId, code: 'COUNTME1', expiresAt: inOneHour() }));
    expect(await findLiveInvite(t.db, 'COUNTME1')).not.toBeNull();
    expect(await t.db.withOrg(a.orgId, (tx) => claimInvite(tx, invite!.id))).toBe(true);
    expect(await t.db.withOrg(a.orgId, (tx) => claimInvite(tx, invite!.id))).toBe(false);
    expect(await findLiveInvite(t.db, 'COUNTME1')).toBeNull();
    const [after] = await t.db.withOrg(a.orgId, (tx) => listInvites(tx, session.id));
    expect(after!.redemptions).toBe(1);
    expect(after!.lastRedeemedAt).not.toBeNull();
  });

  it('refuses to claim an expired invite', async () => {
    const { session } = await sessionIn(a);
    const invite = await t.db.withOrg(a.orgId, (tx) => createInvite(tx, { sessionId: session.id, createdBy: a.userId, code: 'LATECLAIM1', expiresAt: anHourAgo() }));
    expect(await t.db.withOrg(a.orgId, (tx) => claimInvite(tx, invite!.id))).toBe(false);
  });

  it('resolves a guest token to its one session, never as an API token, and not after it expires', async () => {
    const { session, consentId } = await sessionIn(a);
    const invite = (await t.db.withOrg(a.orgId, (tx) => createInvite(tx, { sessionId: session.id, createdBy: a.userId, code: 'GUESTTOK', expiresAt: inOneHour() })))!;
    const token = await t.db.withOrg(a.orgId, (tx) => createGuestToken(tx, { sessionId: session.id, inviteId: invite.id, displayName: 'Pat', consentId, token: 'feg_live', expiresAt: inOneHour() }));
    await t.db.withOrg(a.orgId, (tx) => createGuestToken(tx, { sessionId: session.id, inviteId: invite.id, displayName: 'Pat', consentId, token: 'feg_old', expiresAt: anHourAgo() }));
    expect(await resolveGuestToken(t.db, 'feg_live')).toEqual({ orgId: a.orgId, guestId: token.id, sessionId: session.id, channel: 1, displayName: 'Pat', expiresAt: token.expiresAt });
    expect(await resolveGuestToken(t.db, 'feg_old')).toBeNull();
    expect(await resolveGuestToken(t.db, 'feg_unknown')).toBeNull();
    expect(await resolveApiToken(t.db, 'feg_live')).toBeNull();
    const stored = await adminRows('SELECT token_sha256 FROM guest_tokens WHERE id = $1', [token.id]);
    expect(stored).toEqual([{ token_sha256: tokenSha256('feg_live') }]);
  });

  it('refuses a guest token whose invite belongs to another session', async () => {
    const one = await sessionIn(a);
    const two = await sessionIn(a);
    const invite = (await t.db.withOrg(a.orgId, (tx) => createInvite(tx, { sessionId: one.session.id, createdBy: a.userId, code: 'CROSSSES', expiresAt: inOneHour() })))!;
    await expect(
      t.db.withOrg(a.orgId, (tx) => createGuestToken(tx, { sessionId: two.session.id, inviteId: invite.id, displayName: 'Pat', consentId: two.consentId, token: 'feg_cross', expiresAt: inOneHour() })),
    ).rejects.toMatchObject({ code: '23503' });
  });
});

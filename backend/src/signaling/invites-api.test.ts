import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents, verifyAuditChain } from '../db/repositories/audit';
import { createInvite as insertInvite, listInvites } from '../db/repositories/invites';
import { getSession } from '../db/repositories/sessions';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { createConsentedSession, createInvite, guestConsent, joinAsGuest, jsonCall } from './signaling-fixtures';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

const call = (method: string, path: string, token: string | null, body?: unknown) => jsonCall(h.url, method, path, token, body);
const consentRows = (orgId: string) => h.tdb.db.withOrg(orgId, async (tx) => (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM consents')).rows[0]!.n);

describe('session invites and guest join', () => {
  it('lets the session owner create an invite: a 12-character (60-bit) code for channel 1 that expires, stored only hashed', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const r = await call('POST', `/v1/sessions/${sessionId}/invites`, owner.token);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ sessionId, code: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{12}$/), path: `/?join=${r.json.code}` });
    expect(new Date(r.json.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const [stored] = await h.tdb.db.withOrg(owner.orgId, (tx) => listInvites(tx, sessionId));
    expect(stored).toMatchObject({ id: r.json.inviteId, channel: 1, createdBy: owner.userId, expiresAt: r.json.expiresAt });
    const raw = await h.tdb.db.withOrg(owner.orgId, (tx) => tx.query('SELECT * FROM session_invites WHERE id = $1', [r.json.inviteId]));
    expect(JSON.stringify(raw.rows)).not.toContain(r.json.code);
  });

  it('redeems a code typed loosely (lower case, hyphen) for a guest token, recording the guest\'s own consent on channel 1 and auditing it', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const invite = await createInvite(h.url, owner.token, sessionId);
    const typed = `${invite.code.slice(0, 4)}-${invite.code.slice(4)}`.toLowerCase();
    const r = await call('POST', '/v1/join', null, { code: typed, displayName: '  Daniel R.  ', consent: guestConsent });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ guestToken: expect.stringMatching(/^feg_/), sessionId, channel: 1, displayName: 'Daniel R.', signalPath: `/v1/signal?session=${sessionId}` });

    const s = await h.tdb.db.withOrg(owner.orgId, (tx) => getSession(tx, sessionId));
    expect(s!.participants[1]!.consent).toMatchObject({ method: 'verbal', textVersion: 'consent-v2' });
    const audit = await h.tdb.db.withOrg(owner.orgId, (tx) => listAuditEvents(tx));
    expect(audit.map((e) => e.action)).toEqual(['session.created', 'invite.created', 'consent.recorded', 'invite.redeemed']);
    expect(audit[2]).toMatchObject({ actorUserId: null, targetId: sessionId, data: { channel: 1, method: 'verbal', textVersion: 'consent-v2', by: 'guest', guestDisplayName: 'Daniel R.', inviteId: invite.inviteId } });
    expect(await h.tdb.db.withOrg(owner.orgId, (tx) => verifyAuditChain(tx))).toMatchObject({ ok: true, count: 4, checkpointSeq: 4 });
    const [stored] = await h.tdb.db.withOrg(owner.orgId, (tx) => listInvites(tx, sessionId));
    expect(stored!.redemptions).toBe(1);
  });

  it('redeems a code once: a second join with it is refused with invite.invalid and stores nothing more', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const invite = await createInvite(h.url, owner.token, sessionId);
    expect((await call('POST', '/v1/join', null, { code: invite.code, displayName: 'Daniel', consent: guestConsent })).status).toBe(201);
    const consents = await consentRows(owner.orgId);
    const again = await call('POST', '/v1/join', null, { code: invite.code, displayName: 'Someone else', consent: guestConsent });
    expect(again.json).toMatchObject({ code: 'invite.invalid', status: 422 });
    expect(await consentRows(owner.orgId)).toBe(consents);
    const guests = await h.tdb.db.withOrg(owner.orgId, (tx) => tx.query<{ n: number }>('SELECT count(*)::int AS n FROM guest_tokens WHERE session_id = $1', [sessionId]));
    expect(guests.rows[0]!.n).toBe(1);
    const [stored] = await h.tdb.db.withOrg(owner.orgId, (tx) => listInvites(tx, sessionId));
    expect(stored!.redemptions).toBe(1);
  });

  it('gives exactly one of several concurrent joins with the same code a guest token', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const invite = await createInvite(h.url, owner.token, sessionId);
    const before = await consentRows(owner.orgId);
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => call('POST', '/v1/join', null, { code: invite.code, displayName: `Guest ${i}`, consent: guestConsent })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 422, 422, 422]);
    expect(answers.filter((a) => a.status === 422).every((a) => a.json.code === 'invite.invalid')).toBe(true);
    expect(await consentRows(owner.orgId)).toBe(before + 1);
  });

  it('refuses a guest without consent with consent.missing (422), recording nothing', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const invite = await createInvite(h.url, owner.token, sessionId);
    const before = await consentRows(owner.orgId);
    for (const consent of [undefined, { ...guestConsent, given: false }]) {
      const r = await call('POST', '/v1/join', null, { code: invite.code, displayName: 'Daniel', ...(consent ? { consent } : {}) });
      expect(r.status).toBe(422);
      expect(r.type).toContain('application/problem+json');
      expect(r.json).toMatchObject({ code: 'consent.missing' });
    }
    expect(await consentRows(owner.orgId)).toBe(before);
    const [stored] = await h.tdb.db.withOrg(owner.orgId, (tx) => listInvites(tx, sessionId));
    expect(stored!.redemptions).toBe(0);
  });

  it('refuses an unknown or expired code with invite.invalid', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    await h.tdb.db.withOrg(owner.orgId, (tx) => insertInvite(tx, { sessionId, createdBy: owner.userId, code: 'EXP1RED0EXP1', expiresAt: new Date(Date.now() - 60_000) }));
    for (const code of ['EXP1RED0EXP1', 'ZZZZZZZZZZZZ', 'not a code at all']) {
      const r = await call('POST', '/v1/join', null, { code, displayName: 'Daniel', consent: guestConsent });
      expect(r.json).toMatchObject({ code: 'invite.invalid', status: 422 });
    }
    expect((await call('POST', '/v1/join', null, { displayName: 'Daniel', consent: guestConsent })).json).toMatchObject({ code: 'request.invalid', status: 400 });
  });

  it('gives the guest token no access to the normal API', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const guest = await joinAsGuest(h.url, (await createInvite(h.url, owner.token, sessionId)).code);
    expect((await call('GET', '/v1/sessions', guest.guestToken)).json).toMatchObject({ code: 'auth.invalid', status: 401 });
    expect((await call('GET', `/v1/sessions/${sessionId}`, guest.guestToken)).json).toMatchObject({ code: 'auth.invalid', status: 401 });
    expect((await call('POST', `/v1/sessions/${sessionId}/invites`, guest.guestToken)).json).toMatchObject({ code: 'auth.invalid', status: 401 });
  });

  it('lets only the session\'s owner create invites (an org admin of its org is refused: decision 033)', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    expect((await call('POST', `/v1/sessions/${sessionId}/invites`, null)).json).toMatchObject({ code: 'auth.missing', status: 401 });
    const sup = await h.user('supervisor', owner.orgId);
    await h.assign(owner.orgId, sup.userId, owner.userId);
    expect((await call('POST', `/v1/sessions/${sessionId}/invites`, sup.token)).json).toMatchObject({ code: 'auth.forbidden', status: 403 });
    expect((await call('POST', `/v1/sessions/${sessionId}/invites`, (await h.user('clinician', owner.orgId)).token)).json).toMatchObject({ code: 'session.not_found', status: 404 });
    expect((await call('POST', `/v1/sessions/${sessionId}/invites`, (await h.user('clinician')).token)).json).toMatchObject({ code: 'session.not_found', status: 404 });
    expect((await call('POST', `/v1/sessions/${sessionId}/invites`, (await h.user('org_admin', owner.orgId)).token)).json).toMatchObject({ code: 'auth.forbidden', status: 403 });
  });

  it('documents both routes in the OpenAPI document', async () => {
    const r = await call('GET', '/openapi.json', null);
    expect(Object.keys(r.json.paths)).toEqual(expect.arrayContaining(['/v1/join', '/v1/sessions/{id}/invites']));
    expect(r.json.paths['/v1/join'].post.security).toBeUndefined();
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SIGNAL_BYTES, SignalCloseCode } from '../../../app/contracts/signaling';
import { createSessionWithParticipants } from '../db/repositories/sessions';
import { resolveGuestToken } from '../db/repositories/invites';
import { databaseTokenResolver } from '../api/token-resolver';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { turnCredential } from './ice-servers';
import { connectSignal, type SignalTestClient } from './signal-test-client';
import { attachSignalingHub } from './signaling-hub';
import { createConsentedSession, createInvite, joinAsGuest } from './signaling-fixtures';

const TURN_SECRET = 'a-turn-secret-for-the-signaling-test';
let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness({ ice: { stunUrls: ['stun:stun.test.invalid:3478'], turnUrls: ['turn:turn.test.invalid:3478'], turnSecret: TURN_SECRET, turnTtlSec: 600 } });
});
afterAll(async () => h?.close());

/** A consented session with its owner and a guest who redeemed an invite. */
async function callSetup() {
  const owner = await h.user('clinician');
  const sessionId = await createConsentedSession(h.url, owner.token);
  const invite = await createInvite(h.url, owner.token, sessionId);
  const guest = await joinAsGuest(h.url, invite.code);
  return { owner, sessionId, invite, guest };
}

/** Asks to join at once, so a connection wrongly admitted fails fast on `joined` instead of waiting. */
async function refusal(c: SignalTestClient) {
  c.send({ type: 'join' });
  return { error: await c.next('error'), closed: await c.closed };
}

async function joined(c: SignalTestClient) {
  c.send({ type: 'join' });
  return c.next('joined');
}

const offer = { type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n', extra: { nested: [1, 'zwei', null, { ü: 'ñ' }] } };

describe('signaling hub', () => {
  it('admits the owner and the guest, tells each about the other, and relays signal data unchanged both ways', async () => {
    const { owner, sessionId, guest } = await callSetup();
    const a = await connectSignal(h.url, sessionId, owner.token);
    const aJoined = await joined(a);
    expect(aJoined).toMatchObject({ sessionId, role: 'owner', channel: 0, displayName: 'Test clinician', peer: null, initiator: false });

    const b = await connectSignal(h.url, sessionId, guest.guestToken, { tokenIn: 'query' });
    const bJoined = await joined(b);
    expect(bJoined).toMatchObject({ role: 'guest', channel: 1, displayName: 'Daniel Reyes', peer: { role: 'owner', channel: 0, displayName: 'Test clinician' }, initiator: true });
    expect(await a.next('peer-joined')).toEqual({ type: 'peer-joined', peer: { role: 'guest', channel: 1, displayName: 'Daniel Reyes' }, reconnected: false });

    b.send({ type: 'signal', data: offer });
    expect(await a.next('signal')).toEqual({ type: 'signal', from: 'guest', data: offer });
    const answer = { type: 'answer', sdp: 'v=0\r\na=setup:active\r\n' };
    a.send({ type: 'signal', data: answer });
    expect(await b.next('signal')).toEqual({ type: 'signal', from: 'owner', data: answer });
    const candidate = { candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMLineIndex: 0, sdpMid: '0' } };
    b.send({ type: 'signal', data: candidate });
    expect(await a.next('signal')).toEqual({ type: 'signal', from: 'guest', data: candidate });
    a.close();
    b.close();
  });

  it('hands each participant the configured STUN servers and a TURN credential in the coturn REST form', async () => {
    const { owner, sessionId } = await callSetup();
    const a = await connectSignal(h.url, sessionId, owner.token);
    const j = await joined(a);
    const [stun, turn] = j.iceServers;
    expect(stun).toEqual({ urls: ['stun:stun.test.invalid:3478'] });
    const [expiry, subject] = turn!.username!.split(':');
    expect(subject).toBe(sessionId);
    expect(turn).toEqual({ urls: ['turn:turn.test.invalid:3478'], ...turnCredential(TURN_SECRET, sessionId, Number(expiry)) });
    expect(j.iceExpiresAt).toBe(new Date(Number(expiry) * 1000).toISOString());
    a.close();
  });

  it('refuses a third participant with signal.room_full and keeps the call of the other two working', async () => {
    const { owner, sessionId, invite, guest } = await callSetup();
    const a = await connectSignal(h.url, sessionId, owner.token);
    await joined(a);
    const b = await connectSignal(h.url, sessionId, guest.guestToken);
    await joined(b);
    await a.next('peer-joined');

    // An org admin may see the session but the owner seat is its creator's alone.
    const admin = await h.user('org_admin', owner.orgId);
    const c = await refusal(await connectSignal(h.url, sessionId, admin.token));
    expect(c.error).toMatchObject({ code: 'auth.forbidden' });
    expect(c.closed).toEqual({ code: SignalCloseCode.forbidden, reason: 'auth.forbidden' });

    // Codes are single-use: a second guest needs a code of their own.
    expect(invite.code).toBeDefined();
    const secondGuest = await joinAsGuest(h.url, (await createInvite(h.url, owner.token, sessionId)).code, 'Someone Else');
    const d = await refusal(await connectSignal(h.url, sessionId, secondGuest.guestToken));
    expect(d.error).toMatchObject({ code: 'signal.room_full' });
    expect(d.closed.code).toBe(SignalCloseCode.roomFull);

    b.send({ type: 'signal', data: offer });
    expect(await a.next('signal')).toEqual({ type: 'signal', from: 'guest', data: offer });
    expect(a.pending()).toEqual([]);
    a.close();
    b.close();
  });

  it('lets the same participant reconnect: the new socket replaces the old one and is not a third', async () => {
    const { owner, sessionId, guest } = await callSetup();
    const a1 = await connectSignal(h.url, sessionId, owner.token);
    await joined(a1);
    const b = await connectSignal(h.url, sessionId, guest.guestToken);
    await joined(b);
    await a1.next('peer-joined');

    const a2 = await connectSignal(h.url, sessionId, owner.token, { tokenIn: 'query' });
    expect(await joined(a2)).toMatchObject({ role: 'owner', peer: { role: 'guest' }, initiator: true });
    expect(await a1.closed).toEqual({ code: SignalCloseCode.replaced, reason: 'replaced by a newer connection' });
    expect(await b.next('peer-joined')).toMatchObject({ peer: { role: 'owner' }, reconnected: true });

    b.send({ type: 'signal', data: offer });
    expect(await a2.next('signal')).toEqual({ type: 'signal', from: 'guest', data: offer });
    // The old socket's close freed nothing: the guest saw no peer-left, and the guest reconnecting works too.
    const b2 = await connectSignal(h.url, sessionId, guest.guestToken);
    expect(await joined(b2)).toMatchObject({ role: 'guest', peer: { role: 'owner' } });
    expect((await b.closed).code).toBe(SignalCloseCode.replaced);
    expect(await a2.next('peer-joined')).toMatchObject({ peer: { role: 'guest' }, reconnected: true });
    a2.close();
    b2.close();
  });

  it('tells the peer when the other leaves with bye or drops, and frees the seat', async () => {
    const { owner, sessionId, guest } = await callSetup();
    const a = await connectSignal(h.url, sessionId, owner.token);
    await joined(a);
    const b = await connectSignal(h.url, sessionId, guest.guestToken);
    await joined(b);
    await a.next('peer-joined');

    b.send({ type: 'bye' });
    expect(await a.next('peer-left')).toEqual({ type: 'peer-left', peer: { role: 'guest', channel: 1, displayName: 'Daniel Reyes' }, reason: 'bye' });
    expect((await b.closed).code).toBe(SignalCloseCode.bye);

    const b2 = await connectSignal(h.url, sessionId, guest.guestToken);
    expect(await joined(b2)).toMatchObject({ peer: { role: 'owner' } });
    await a.next('peer-joined');
    b2.terminate();
    expect(await a.next('peer-left')).toMatchObject({ peer: { role: 'guest' }, reason: 'disconnected' });
    a.send({ type: 'signal', data: offer });
    expect(await a.next('error')).toMatchObject({ code: 'signal.peer_absent' });
    a.close();
  });

  it('answers malformed messages with an error and keeps the connection', async () => {
    const { owner, sessionId } = await callSetup();
    const a = await connectSignal(h.url, sessionId, owner.token);
    a.send({ type: 'signal', data: offer });
    expect(await a.next('error')).toMatchObject({ code: 'signal.not_joined' });
    await joined(a);
    const bad: Array<string | Buffer> = [
      '{"type": ',
      JSON.stringify({ type: 'dance' }),
      JSON.stringify({ type: 'signal', data: 'not an object' }),
      JSON.stringify({ type: 'join', protocol: 99 }),
      JSON.stringify([1, 2, 3]),
      Buffer.from([1, 2, 3]),
      JSON.stringify({ type: 'signal', data: { sdp: 'x'.repeat(MAX_SIGNAL_BYTES) } }),
    ];
    for (const m of bad) {
      a.send(m);
      expect(await a.next('error')).toMatchObject({ code: 'signal.message_invalid' });
    }
    a.send({ type: 'join' });
    expect(await a.next('error')).toMatchObject({ code: 'signal.message_invalid', message: expect.stringMatching(/already joined/i) });
    a.send({ type: 'ping', t: 42 });
    expect(await a.next('pong')).toEqual({ type: 'pong', t: 42 });
    a.close();
  });

  it('refuses a clinician of another org or the same, a supervisor, a guest of another session and a missing or wrong token', async () => {
    const { owner, sessionId } = await callSetup();
    const other = await callSetup();
    const supervisor = await h.user('supervisor', owner.orgId);
    await h.assign(owner.orgId, supervisor.userId, owner.userId);
    const cases: Array<[string | null, string, number]> = [
      [(await h.user('clinician')).token, 'session.not_found', SignalCloseCode.notFound],
      [(await h.user('clinician', owner.orgId)).token, 'session.not_found', SignalCloseCode.notFound],
      [(await h.user('supervisor', owner.orgId)).token, 'session.not_found', SignalCloseCode.notFound],
      [supervisor.token, 'auth.forbidden', SignalCloseCode.forbidden],
      [other.guest.guestToken, 'session.not_found', SignalCloseCode.notFound],
      [null, 'auth.missing', SignalCloseCode.unauthorized],
      ['wrong-token', 'auth.invalid', SignalCloseCode.unauthorized],
      ['feg_wrong-guest-token', 'auth.invalid', SignalCloseCode.unauthorized],
    ];
    for (const [token, code, closeCode] of cases) {
      const r = await refusal(await connectSignal(h.url, sessionId, token));
      expect(r.error).toMatchObject({ code });
      expect(r.closed.code).toBe(closeCode);
    }
    expect((await refusal(await connectSignal(h.url, 'not-a-uuid', owner.token))).error).toMatchObject({ code: 'request.invalid' });
  });

  it('refuses a participant whose consent is not recorded with consent.missing', async () => {
    const owner = await h.user('clinician');
    const s = await h.tdb.db.withOrg(owner.orgId, (tx) =>
      createSessionWithParticipants(tx, {
        title: 'No consent yet',
        rubricId: 'general-communication',
        createdBy: owner.userId,
        participants: [
          { channel: 0, displayName: 'Dr. A', roleLabel: 'clinician' },
          { channel: 1, displayName: 'Pat', roleLabel: 'patient', consent: { givenAt: new Date(), method: 'in_app', textVersion: 'v1' } },
        ],
      }),
    );
    const r = await refusal(await connectSignal(h.url, s.id, owner.token));
    expect(r.error).toMatchObject({ code: 'consent.missing' });
    expect(r.closed.code).toBe(SignalCloseCode.consentMissing);
  });

  it('drops a participant who stops answering pings and frees their seat', async () => {
    const { owner, sessionId, guest } = await callSetup();
    // A hub of its own with a short heartbeat, on the same database.
    const server = http.createServer();
    const hub = attachSignalingHub(server, { db: h.tdb.db, authorizer: h.api.authorizer, resolver: databaseTokenResolver(h.tdb.db), resolveGuest: (t) => resolveGuestToken(h.tdb.db, t), ice: { stunUrls: [], turnUrls: [], turnTtlSec: 60 }, heartbeatMs: 200 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const a = await connectSignal(url, sessionId, owner.token);
      await joined(a);
      const dead = await connectSignal(url, sessionId, guest.guestToken, { autoPong: false });
      await joined(dead);
      await a.next('peer-joined');
      expect(await a.next('peer-left')).toMatchObject({ peer: { role: 'guest' }, reason: 'disconnected' });
      expect(hub.members(sessionId).map((m) => m.role)).toEqual(['owner']);
      a.close();
    } finally {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

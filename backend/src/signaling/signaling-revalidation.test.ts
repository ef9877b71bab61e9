import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalCloseCode } from '../../../app/contracts/signaling';
import { resolveGuestToken } from '../db/repositories/invites';
import { databaseTokenResolver } from '../api/token-resolver';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { connectSignal, type SignalTestClient } from './signal-test-client';
import { attachSignalingHub } from './signaling-hub';
import { createConsentedSession, createInvite, joinAsGuest, jsonCall } from './signaling-fixtures';

/**
 * A signaling seat is not a lasting grant: the hub re-checks every seat (at each heartbeat, on a
 * message burst; here mostly by calling revalidate()) and closes the socket of a revoked token, a
 * deactivated user or a deleted session with 4000 + status and the code, telling the peer
 * `peer-left` with reason `removed`. Real API, real PostgreSQL and policy, real WebSocket clients.
 */

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

const hub = () => h.api.signalHub!;

/** The owner and the guest of a consented session, both joined to its call. */
async function inCall(url = h.url) {
  const owner = await h.user('clinician');
  const sessionId = await createConsentedSession(h.url, owner.token);
  const invite = await createInvite(h.url, owner.token, sessionId);
  const guestPass = await joinAsGuest(h.url, invite.code);
  const a = await connectSignal(url, sessionId, owner.token);
  a.send({ type: 'join' });
  await a.next('joined');
  const b = await connectSignal(url, sessionId, guestPass.guestToken);
  b.send({ type: 'join' });
  await b.next('joined');
  await a.next('peer-joined');
  return { owner, sessionId, guestPass, a, b };
}

async function relays(from: SignalTestClient, to: SignalTestClient) {
  from.send({ type: 'signal', data: { type: 'offer', sdp: 'v=0' } });
  expect(await to.next('signal')).toMatchObject({ data: { type: 'offer', sdp: 'v=0' } });
}

describe('signaling seats are re-checked', () => {
  it('closes the owner of a token revoked mid-call with 4401 auth.invalid and tells the guest the owner was removed', async () => {
    const { owner, sessionId, a, b } = await inCall();
    await relays(b, a);
    expect((await jsonCall(h.url, 'POST', '/v1/auth/oidc/logout', owner.token)).status).toBe(200);
    await hub().revalidate();
    expect(await a.next('error')).toMatchObject({ code: 'auth.invalid' });
    expect(await a.closed).toEqual({ code: SignalCloseCode.unauthorized, reason: 'auth.invalid' });
    expect(await b.next('peer-left')).toEqual({ type: 'peer-left', peer: { role: 'owner', channel: 0, displayName: 'Test clinician' }, reason: 'removed' });
    // The revoked token cannot take the seat again.
    const again = await connectSignal(h.url, sessionId, owner.token);
    again.send({ type: 'join' });
    expect(await again.next('error')).toMatchObject({ code: 'auth.invalid' });
    b.close();
  });

  it('closes a deactivated user\'s seat (4401) and both seats of a deleted session (4404 session.not_found)', async () => {
    const first = await inCall();
    await h.tdb.db.withOrg(first.owner.orgId, (tx) => tx.query('UPDATE users SET active = false WHERE id = $1', [first.owner.userId]));
    await hub().revalidate();
    expect(await first.a.closed).toEqual({ code: SignalCloseCode.unauthorized, reason: 'auth.invalid' });
    expect(await first.b.next('peer-left')).toMatchObject({ peer: { role: 'owner' }, reason: 'removed' });
    expect(first.b.pending()).toEqual([]);
    first.b.close();

    const second = await inCall();
    expect((await jsonCall(h.url, 'DELETE', `/v1/sessions/${second.sessionId}`, second.owner.token)).status).toBe(204);
    await hub().revalidate();
    expect(await second.a.closed).toEqual({ code: SignalCloseCode.notFound, reason: 'session.not_found' });
    expect(await second.b.closed).toEqual({ code: SignalCloseCode.notFound, reason: 'session.not_found' });
    expect(hub().members(second.sessionId)).toEqual([]);
  });

  it('keeps a seat whose token merely expired since it was taken, and closes it once the token is revoked', async () => {
    const { owner, sessionId, a, b } = await inCall();
    await h.tdb.db.withOrg(owner.orgId, (tx) => tx.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1", [owner.userId]));
    await hub().revalidate();
    await relays(a, b);
    await relays(b, a);
    expect(hub().members(sessionId).map((m) => m.role).sort()).toEqual(['guest', 'owner']);

    await h.tdb.db.withOrg(owner.orgId, (tx) => tx.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1', [owner.userId]));
    await hub().revalidate();
    expect(await a.closed).toEqual({ code: SignalCloseCode.unauthorized, reason: 'auth.invalid' });
    b.close();
  });

  it('closes the seat of an owner who lost the clinician role (audited access.denied) and keeps the guest\'s', async () => {
    const { owner, sessionId, a, b } = await inCall();
    await h.tdb.db.withOrg(owner.orgId, (tx) => tx.query("DELETE FROM memberships WHERE user_id = $1 AND role = 'clinician'", [owner.userId]));
    await hub().revalidate();
    const closedOwner = await a.closed;
    expect([SignalCloseCode.forbidden, SignalCloseCode.notFound]).toContain(closedOwner.code);
    expect(await b.next('peer-left')).toMatchObject({ reason: 'removed' });
    // The guest's pass is still good for its session, which still exists.
    expect(hub().members(sessionId).map((m) => m.role)).toEqual(['guest']);
    const denied = await h.tdb.db.withOrg(owner.orgId, (tx) => tx.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action = 'access.denied' AND target_id = $1 AND data->>'action' = 'call.join_owner'", [sessionId]));
    expect(denied.rows[0]!.n).toBe(1);
    b.close();
  });

  it('re-checks on its own: at each heartbeat, and on a message after a quiet spell without waiting for the next heartbeat', async () => {
    const server = http.createServer();
    const deps = { db: h.tdb.db, authorizer: h.api.authorizer, resolver: databaseTokenResolver(h.tdb.db), resolveGuest: (t: string) => resolveGuestToken(h.tdb.db, t), ice: { stunUrls: [], turnUrls: [], turnTtlSec: 60 } };
    const own = attachSignalingHub(server, { ...deps, heartbeatMs: 200 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const server2 = http.createServer();
    const burst = attachSignalingHub(server2, { ...deps, heartbeatMs: 3_600_000, burstRecheckMs: 0 });
    await new Promise<void>((r) => server2.listen(0, '127.0.0.1', () => r()));
    try {
      const byHeartbeat = await inCall(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect((await jsonCall(h.url, 'POST', '/v1/auth/oidc/logout', byHeartbeat.owner.token)).status).toBe(200);
      expect(await byHeartbeat.a.closed).toEqual({ code: SignalCloseCode.unauthorized, reason: 'auth.invalid' });
      expect(await byHeartbeat.b.next('peer-left')).toMatchObject({ reason: 'removed' });
      byHeartbeat.b.close();

      const byMessage = await inCall(`http://127.0.0.1:${(server2.address() as AddressInfo).port}`);
      expect((await jsonCall(h.url, 'POST', '/v1/auth/oidc/logout', byMessage.owner.token)).status).toBe(200);
      byMessage.a.send({ type: 'ping' });
      expect(await byMessage.a.closed).toEqual({ code: SignalCloseCode.unauthorized, reason: 'auth.invalid' });
      byMessage.b.close();
    } finally {
      for (const [s, hb] of [[server, own], [server2, burst]] as const) {
        await hb.close();
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    }
  });
});


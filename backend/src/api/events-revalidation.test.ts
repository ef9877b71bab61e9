import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationEvent } from '../../../app/contracts/api';
import { unassignSupervisee } from '../db/repositories/supervision';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { createConsentedSession, jsonCall } from '../signaling/signaling-fixtures';
import { EVENTS_PATH } from './events-hub';

/**
 * A subscription is not a lasting grant: the hub re-checks every subscriber's token and access
 * (at each heartbeat; here by calling revalidate()), so a revoked token or a removed assignment
 * stops the events at once instead of when the socket happens to close.
 */

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

interface Subscriber {
  ws: WebSocket;
  events: string[];
  closed: Promise<{ code: number; reason: string }>;
}
function subscribe(token: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}${EVENTS_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    const events: string[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; sessionId?: string };
      if (m.type === 'hello') resolve({ ws, events, closed });
      else if (m.sessionId) events.push(m.sessionId);
    });
    ws.on('error', reject);
  });
}
const event = (sessionId: string): EvaluationEvent => ({ type: 'evaluation', sessionId, evaluationId: randomUUID(), status: 'running', step: 'transcribe', progress: 0.5, error: null });
const settle = () => new Promise((r) => setTimeout(r, 200));

describe('events subscriptions are re-checked', () => {
  it('closes the socket of a token revoked after it subscribed (4401 auth.invalid), and sends it nothing more', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const sub = await subscribe(owner.token);
    await h.api.hub.publish(owner.orgId, event(sessionId));
    await settle();
    expect(sub.events).toEqual([sessionId]);

    expect((await jsonCall(h.url, 'POST', '/v1/auth/oidc/logout', owner.token)).status).toBe(200);
    await h.api.hub.revalidate();
    await h.api.hub.publish(owner.orgId, event(sessionId));
    await settle();
    expect(sub.events).toEqual([sessionId]);
    expect(await sub.closed).toEqual({ code: 4401, reason: 'auth.invalid' });
  });

  it('stops sending a supervisor the events of a clinician no longer assigned to them, and keeps their socket open', async () => {
    const owner = await h.user('clinician');
    const sup = await h.user('supervisor', owner.orgId);
    await h.assign(owner.orgId, sup.userId, owner.userId);
    const sessionId = await createConsentedSession(h.url, owner.token);
    const sub = await subscribe(sup.token);
    await h.api.hub.publish(owner.orgId, event(sessionId));
    await settle();
    expect(sub.events).toEqual([sessionId]);

    await h.tdb.db.withOrg(owner.orgId, (tx) => unassignSupervisee(tx, { supervisorUserId: sup.userId, clinicianUserId: owner.userId }));
    await h.api.hub.revalidate();
    await h.api.hub.publish(owner.orgId, event(sessionId));
    await settle();
    expect(sub.events).toEqual([sessionId]);
    expect(sub.ws.readyState).toBe(WebSocket.OPEN);
    sub.ws.close();
  });
});

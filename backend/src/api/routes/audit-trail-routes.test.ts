import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrailPage, type AuditTrailEntry } from '../../../../app/contracts/audit-trail-api';
import { startApiHarness, type ApiHarness } from '../../testing/api-harness';
import { createConsentedSession, jsonCall } from '../../signaling/signaling-fixtures';

/** GET /v1/audit/events: the auditor (and the org admin) read the org's session audit trail over HTTP. */

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

async function wholeTrail(token: string, limit = 2): Promise<AuditTrailEntry[]> {
  const all: AuditTrailEntry[] = [];
  let afterSeq = 0;
  for (;;) {
    const r = await jsonCall(h.url, 'GET', `/v1/audit/events?afterSeq=${afterSeq}&limit=${limit}`, token);
    expect(r.status).toBe(200);
    const page = AuditTrailPage.parse(r.json);
    all.push(...page.events);
    if (page.nextAfterSeq === null) return all;
    afterSeq = page.nextAfterSeq;
  }
}

describe('the session audit trail over HTTP', () => {
  it('shows the auditor who read participant names (one list row naming the sessions, each session read) and who was refused the report', async () => {
    const owner = await h.user('clinician');
    const auditor = await h.user('auditor', owner.orgId);
    const a = await createConsentedSession(h.url, owner.token);
    const b = await createConsentedSession(h.url, owner.token);
    const list = await jsonCall(h.url, 'GET', '/v1/sessions', owner.token);
    const listed = (list.json as { sessions: { id: string }[] }).sessions.map((s) => s.id);
    expect([...listed].sort()).toEqual([a, b].sort());
    expect((await jsonCall(h.url, 'GET', `/v1/sessions/${a}`, owner.token)).status).toBe(200);
    expect((await jsonCall(h.url, 'GET', `/v1/sessions/${a}/report.pdf`, auditor.token)).json).toMatchObject({ status: 403, code: 'auth.forbidden' });

    // Paged two at a time: every entry once, in chain order.
    const trail = await wholeTrail(auditor.token);
    expect(trail.map((e) => e.seq)).toEqual(trail.map((_, i) => i + 1));
    const listRows = trail.filter((e) => e.action === 'access.granted' && e.data.action === 'session.list');
    expect(listRows).toEqual([expect.objectContaining({ actorUserId: owner.userId, targetType: 'org', data: expect.objectContaining({ sessionIds: listed }) })]);
    expect(trail.filter((e) => e.action === 'access.granted' && e.data.action === 'session.read' && e.targetId === a).map((e) => e.actorUserId)).toEqual([owner.userId]);
    expect(trail.filter((e) => e.action === 'access.denied' && e.data.action === 'session.read_report').map((e) => [e.actorUserId, e.targetId])).toEqual([[auditor.userId, a]]);

    // The org admin reads the same trail; a clinician may not; another org's auditor sees none of it.
    const admin = await h.user('org_admin', owner.orgId);
    expect((await wholeTrail(admin.token, 100)).map((e) => e.seq).slice(0, trail.length)).toEqual(trail.map((e) => e.seq));
    expect((await jsonCall(h.url, 'GET', '/v1/audit/events', owner.token)).json).toMatchObject({ status: 403, code: 'auth.forbidden' });
    const elsewhere = await wholeTrail((await h.user('auditor')).token, 100);
    expect(elsewhere.some((e) => e.targetId === a || e.actorUserId === owner.userId)).toBe(false);
  });

  it('refuses a malformed page request with 400 request.invalid', async () => {
    const auditor = await h.user('auditor');
    for (const q of ['limit=0', 'limit=501', 'afterSeq=-1', 'afterSeq=x']) expect((await jsonCall(h.url, 'GET', `/v1/audit/events?${q}`, auditor.token)).json).toMatchObject({ status: 400, code: 'request.invalid' });
  });
});

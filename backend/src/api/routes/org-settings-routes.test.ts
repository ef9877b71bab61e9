import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../db/repositories/audit';
import { addApiToken } from '../../db/repositories/identity';
import { startApiHarness, type ApiHarness } from '../../testing/api-harness';
import { jsonCall } from '../../signaling/signaling-fixtures';

/** /v1/admin/session-lifetimes on the real API, PostgreSQL and access policy. */
let h: ApiHarness;
let admin: { orgId: string; userId: string; token: string };
beforeAll(async () => {
  h = await startApiHarness({ desktopLifetimes: { accessTtlSec: 900, refreshIdleSec: 3600, refreshAbsoluteSec: 7200 } });
  admin = await h.user('org_admin');
});
afterAll(async () => h?.close());

const PATH = '/v1/admin/session-lifetimes';

describe('org admin: desktop session lifetimes over HTTP', () => {
  it('shows the defaults, sets the org\'s own (audited with the admin), and the next desktop sign-in uses them; null goes back', async () => {
    const before = await jsonCall(h.url, 'GET', PATH, admin.token);
    expect(before.status).toBe(200);
    expect(before.json).toEqual({ org: { accessTtlSec: null, refreshIdleSec: null, refreshAbsoluteSec: null }, defaults: { accessTtlSec: 900, refreshIdleSec: 3600, refreshAbsoluteSec: 7200 }, effective: { accessTtlSec: 900, refreshIdleSec: 3600, refreshAbsoluteSec: 7200 } });

    const set = await jsonCall(h.url, 'PUT', PATH, admin.token, { accessTtlSec: 120, refreshIdleSec: 600, refreshAbsoluteSec: null });
    expect(set.status, JSON.stringify(set.json)).toBe(200);
    expect(set.json).toMatchObject({ org: { accessTtlSec: 120, refreshIdleSec: 600, refreshAbsoluteSec: null }, effective: { accessTtlSec: 120, refreshIdleSec: 600, refreshAbsoluteSec: 7200 } });

    const audit = (await h.tdb.db.withOrg(admin.orgId, (tx) => listAuditEvents(tx))).filter((e) => e.action === 'auth.session_lifetimes_set');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUserId: admin.userId, targetId: admin.orgId, data: { accessTtlSec: 120, refreshIdleSec: 600, refreshAbsoluteSec: null } });

    // A desktop sign-in of this org now gets a 2-minute access token.
    const clinician = await h.user('clinician', admin.orgId);
    const access = `t-life-${clinician.userId}`;
    await h.tdb.db.withOrg(admin.orgId, (tx) => addApiToken(tx, { userId: clinician.userId, token: access }));
    const t0 = Date.now();
    const tokens = await h.desktopSessions.begin(admin.orgId, { userId: clinician.userId, accessToken: access });
    expect(Math.round((Date.parse(tokens.accessExpiresAt) - t0) / 1000)).toBeGreaterThanOrEqual(118);
    expect(Math.round((Date.parse(tokens.accessExpiresAt) - t0) / 1000)).toBeLessThanOrEqual(121);

    const back = await jsonCall(h.url, 'PUT', PATH, admin.token, { accessTtlSec: null, refreshIdleSec: null, refreshAbsoluteSec: null });
    expect(back.json).toMatchObject({ effective: { accessTtlSec: 900 } });
  });

  it('refuses out-of-range, partial or unknown fields with request.invalid and changes nothing', async () => {
    const before = (await jsonCall(h.url, 'GET', PATH, admin.token)).json;
    for (const body of [{ accessTtlSec: 5, refreshIdleSec: null, refreshAbsoluteSec: null }, { accessTtlSec: 120 }, { accessTtlSec: null, refreshIdleSec: null, refreshAbsoluteSec: null, extra: 1 }, { accessTtlSec: 1.5, refreshIdleSec: null, refreshAbsoluteSec: null }]) {
      const r = await jsonCall(h.url, 'PUT', PATH, admin.token, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.code).toBe('request.invalid');
    }
    expect((await jsonCall(h.url, 'GET', PATH, admin.token)).json).toEqual(before);
  });

  it('is the org admin\'s alone: a clinician or auditor of the org gets 403 auth.forbidden (no audit row of a change)', async () => {
    for (const role of ['clinician', 'auditor'] as const) {
      const u = await h.user(role, admin.orgId);
      expect((await jsonCall(h.url, 'GET', PATH, u.token)).json.code).toBe('auth.forbidden');
      const put = await jsonCall(h.url, 'PUT', PATH, u.token, { accessTtlSec: 60, refreshIdleSec: null, refreshAbsoluteSec: null });
      expect(put.status).toBe(403);
    }
    expect((await jsonCall(h.url, 'GET', PATH, admin.token)).json).toMatchObject({ org: { accessTtlSec: null } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { appendGatewayAudit, type NewGatewayAuditRecord } from '../gateway-audit';
import { createAiAdminService, type AdminCaller } from './ai-admin-service';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const record = (outcome = 'ok'): NewGatewayAuditRecord => ({ purpose: 'rubric_analysis', provider: 'local', model: 'gemma', latencyMs: 5, policyDecision: 'allow', policyVersion: 'v1', promptSha256: null, responseSha256: null, outcome });

async function orgWith(n: number, outcome = 'ok') {
  const org = await seedOrg(t.db, { role: 'org_admin' });
  for (let i = 0; i < n; i++) await t.db.withOrg(org.orgId, (tx) => appendGatewayAudit(tx, record(outcome)));
  return org;
}

describe('AI admin service', () => {
  it('exports in batches up to the head seen at the start, leaving out records appended meanwhile', async () => {
    const org = await orgWith(5);
    const admin = createAiAdminService(t.db);
    const who: AdminCaller = { orgId: org.orgId, userId: org.userId, roles: ['auditor'] };
    const batches: number[][] = [];
    for await (const batch of admin.exportAudit(who, {}, 2)) {
      batches.push(batch.map((r) => r.seq));
      if (batches.length === 1) await t.db.withOrg(org.orgId, (tx) => appendGatewayAudit(tx, record()));
    }
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    const again: number[] = [];
    for await (const batch of admin.exportAudit(who, { afterSeq: 4 }, 2)) again.push(...batch.map((r) => r.seq));
    expect(again).toEqual([5, 6]);
  });

  it('applies the filters batch by batch', async () => {
    const org = await orgWith(3);
    await t.db.withOrg(org.orgId, async (tx) => {
      await appendGatewayAudit(tx, record('rate.limited'));
      await appendGatewayAudit(tx, record());
      await appendGatewayAudit(tx, record('rate.limited'));
    });
    const seqs: number[] = [];
    for await (const b of createAiAdminService(t.db).exportAudit({ orgId: org.orgId, userId: org.userId, roles: ['org_admin'] }, { outcome: 'rate.limited' }, 1)) seqs.push(...b.map((r) => r.seq));
    expect(seqs).toEqual([4, 6]);
  });

  it('refuses callers without an admin or auditor role even when no route checked them', async () => {
    const org = await orgWith(1);
    const admin = createAiAdminService(t.db);
    const clinician: AdminCaller = { orgId: org.orgId, userId: org.userId, roles: ['clinician'] };
    const auditor: AdminCaller = { ...clinician, roles: ['auditor'] };
    await expect(admin.verifyAudit(clinician)).rejects.toMatchObject({ code: 'auth.forbidden' });
    await expect(admin.exportAudit(clinician, {}).next()).rejects.toMatchObject({ code: 'auth.forbidden' });
    await expect(admin.putBudget(auditor, { scope: 'org', period: 'day', capMicros: 1 })).rejects.toMatchObject({ code: 'auth.forbidden' });
    await expect(admin.verifyAudit(auditor)).resolves.toMatchObject({ ok: true, count: 1 });
  });
});

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { appendGatewayAudit, listGatewayAudit, sha256Hex, verifyGatewayAuditChain, type NewGatewayAuditRecord } from './gateway-audit';

let t: TestDatabase;
let su: pg.Client;
beforeAll(async () => {
  t = await createTestDatabase();
  su = new pg.Client({ connectionString: t.url });
  await su.connect();
});
afterAll(async () => {
  await su.end();
  await t.drop();
});

const sessionId = randomUUID();
const record = (i: number, over: Partial<NewGatewayAuditRecord> = {}): NewGatewayAuditRecord => ({
  purpose: 'evaluation',
  sessionId,
  provider: 'openai',
  model: 'gpt-4o-mini',
  tokensIn: 1000 + i,
  tokensOut: 200,
  costMicros: 270 + i,
  latencyMs: 840,
  policyDecision: 'allow',
  policyVersion: 'policies@2026-11-01',
  redactionCounts: { PERSON: 2, PHONE: 1 },
  promptSha256: sha256Hex(`prompt ${i} about [PERSON_1]`),
  responseSha256: sha256Hex(`answer ${i}`),
  ...over,
});

async function orgWithRecords(n: number) {
  const org = await seedOrg(t.db);
  const records = [];
  for (let i = 0; i < n; i++) records.push(await t.db.withOrg(org.orgId, (tx) => appendGatewayAudit(tx, record(i, { userId: org.userId }))));
  return { org, records };
}

/** Tampering needs the superuser to switch the append-only trigger off first, as an attacker with DB access would. */
async function asSuperuserWithoutGuard(sql: string, values: unknown[]) {
  await su.query('BEGIN');
  await su.query('ALTER TABLE ai_gateway_audit DISABLE TRIGGER ai_gateway_audit_append_only');
  await su.query(sql, values);
  await su.query('ALTER TABLE ai_gateway_audit ENABLE TRIGGER ai_gateway_audit_append_only');
  await su.query('COMMIT');
}

describe('gateway audit trail', () => {
  it('stores every field of a call and links each record to the previous one of its org', async () => {
    const { org, records } = await orgWithRecords(3);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]!.prevHash).toBeNull();
    expect(records[1]!.prevHash).toBe(records[0]!.hash);
    expect(records[2]!.prevHash).toBe(records[1]!.hash);
    expect(records[1]).toMatchObject({
      orgId: org.orgId,
      userId: org.userId,
      purpose: 'evaluation',
      sessionId,
      provider: 'openai',
      model: 'gpt-4o-mini',
      tokensIn: 1001,
      tokensOut: 200,
      audioMs: null,
      costMicros: 271,
      latencyMs: 840,
      policyDecision: 'allow',
      policyVersion: 'policies@2026-11-01',
      redactionCounts: { PERSON: 2, PHONE: 1 },
      promptSha256: sha256Hex('prompt 1 about [PERSON_1]'),
      responseSha256: sha256Hex('answer 1'),
      outcome: 'ok',
    });
    expect(await t.db.withOrg(org.orgId, (tx) => verifyGatewayAuditChain(tx))).toEqual({ ok: true, count: 3, headHash: records[2]!.hash, checkpointSeq: 3 });
    expect(await t.db.withOrg(org.orgId, (tx) => listGatewayAudit(tx, { afterSeq: 1 }))).toEqual(records.slice(1));
  });

  it('records a denied call with no response and a transcription priced by audio', async () => {
    const org = await seedOrg(t.db);
    const denied = await t.db.withOrg(org.orgId, (tx) => appendGatewayAudit(tx, record(0, { policyDecision: 'deny', outcome: 'policy.denied', tokensOut: 0, costMicros: 0, responseSha256: null })));
    const stt = await t.db.withOrg(org.orgId, (tx) => appendGatewayAudit(tx, record(1, { purpose: 'transcription', model: 'whisper-1', tokensIn: 0, tokensOut: 0, audioMs: 600_000, costMicros: 60_000, promptSha256: sha256Hex('audio bytes') })));
    expect(denied).toMatchObject({ policyDecision: 'deny', outcome: 'policy.denied', responseSha256: null });
    expect(stt).toMatchObject({ audioMs: 600_000, costMicros: 60_000, seq: 2 });
    expect(await t.db.withOrg(org.orgId, (tx) => verifyGatewayAuditChain(tx))).toMatchObject({ ok: true, count: 2 });
  });

  it('keeps one chain per org, and another org sees none of its records', async () => {
    const a = await orgWithRecords(2);
    const b = await orgWithRecords(1);
    expect(b.records[0]).toMatchObject({ seq: 1, prevHash: null });
    expect(await t.db.withOrg(b.org.orgId, (tx) => listGatewayAudit(tx))).toEqual(b.records);
    expect(await t.db.withOrg(a.org.orgId, (tx) => verifyGatewayAuditChain(tx))).toMatchObject({ ok: true, count: 2 });
    await expect(t.db.withOrg(b.org.orgId, (tx) => tx.query("INSERT INTO ai_gateway_audit (org_id, purpose, provider, model, latency_ms, policy_decision, policy_version, hash) VALUES ($1, 'x', 'p', 'm', 1, 'allow', 'v', '')", [a.org.orgId]))).rejects.toThrow(/row-level security/);
  });

  it('ignores a hash, seq or time supplied by the writer', async () => {
    const org = await seedOrg(t.db);
    const row = await t.db.withOrg(org.orgId, async (tx) =>
      (await tx.query<{ seq: string; hash: string; created_at: Date }>(
        `INSERT INTO ai_gateway_audit (org_id, seq, purpose, provider, model, latency_ms, policy_decision, policy_version, hash, prev_hash, created_at)
         VALUES ($1, 42, 'x', 'p', 'm', 1, 'allow', 'v', 'deadbeef', 'cafe', '2000-01-01') RETURNING seq, hash, created_at`,
        [org.orgId],
      )).rows[0]!,
    );
    expect(row.seq).toBe('1');
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.created_at.getFullYear()).toBeGreaterThan(2000);
    // The link itself is sound, but a row written past the app has no signed head outside the database.
    expect(await t.db.withOrg(org.orgId, (tx) => verifyGatewayAuditChain(tx))).toMatchObject({ ok: false, count: 1, reason: 'checkpoint_missing' });
  });

  it('rejects UPDATE, DELETE and TRUNCATE, even from the superuser', async () => {
    const { org, records } = await orgWithRecords(1);
    const id = records[0]!.id;
    await expect(su.query('UPDATE ai_gateway_audit SET cost_micros = 0 WHERE id = $1', [id])).rejects.toThrow(/append-only/);
    await expect(su.query('DELETE FROM ai_gateway_audit WHERE id = $1', [id])).rejects.toThrow(/append-only/);
    await expect(su.query('TRUNCATE ai_gateway_audit')).rejects.toThrow(/append-only/);
    await expect(t.db.withOrg(org.orgId, (tx) => tx.query('UPDATE ai_gateway_audit SET cost_micros = 0 WHERE id = $1', [id]))).rejects.toThrow(/permission denied|append-only/);
    await expect(t.db.withOrg(org.orgId, (tx) => tx.query('DELETE FROM ai_gateway_audit WHERE id = $1', [id]))).rejects.toThrow(/permission denied|append-only/);
    expect(await t.db.withOrg(org.orgId, (tx) => verifyGatewayAuditChain(tx))).toMatchObject({ ok: true, count: 1 });
  });

  it('detects an edited cost and names that record as the first broken link', async () => {
    const { org, records } = await orgWithRecords(5);
    await asSuperuserWithoutGuard('UPDATE ai_gateway_audit SET cost_micros = 1 WHERE id = $1', [records[2]!.id]);
    expect(await t.db.withOrg(org.orgId, (tx) => verifyGatewayAuditChain(tx))).toEqual({ ok: false, count: 2, firstBrokenId: records[2]!.id, firstBrokenSeq: 3, reason: 'hash_mismatch' });
  });

  it('detects an edited and re-hashed record at the next link', async () => {
    const { org, records } = await orgWithRecords(4);
    await asSuperuserWithoutGuard("UPDATE ai_gateway_audit SET policy_decision = 'deny' WHERE id = $1", [records[1]!.id]);
    await asSuperuserWithoutGuard('UPDATE ai_gateway_audit a SET hash = ai_gateway_audit_hash(a) WHERE id = $1', [records[1]!.id]);
    expect(await t.db.withOrg(org.orgId, (tx) => verifyGatewayAuditChain(tx))).toEqual({ ok: false, count: 2, firstBrokenId: records[2]!.id, firstBrokenSeq: 3, reason: 'prev_hash_mismatch' });
  });

  it('detects a deleted record at the record after the gap', async () => {
    const { org, records } = await orgWithRecords(4);
    await asSuperuserWithoutGuard('DELETE FROM ai_gateway_audit WHERE id = $1', [records[1]!.id]);
    expect(await t.db.withOrg(org.orgId, (tx) => verifyGatewayAuditChain(tx))).toEqual({ ok: false, count: 1, firstBrokenId: records[2]!.id, firstBrokenSeq: 3, reason: 'sequence_gap' });
  });

  it('keeps the chain intact under concurrent appends', async () => {
    const org = await seedOrg(t.db);
    await Promise.all(Array.from({ length: 16 }, (_, i) => t.db.withOrg(org.orgId, (tx) => appendGatewayAudit(tx, record(i)))));
    expect(await t.db.withOrg(org.orgId, (tx) => verifyGatewayAuditChain(tx))).toMatchObject({ ok: true, count: 16 });
  });

  it('refuses negative or fractional counts before they reach the table', async () => {
    const org = await seedOrg(t.db);
    await expect(t.db.withOrg(org.orgId, (tx) => appendGatewayAudit(tx, record(0, { tokensIn: -1 })))).rejects.toThrow(/tokensIn/);
    await expect(t.db.withOrg(org.orgId, (tx) => appendGatewayAudit(tx, record(0, { latencyMs: 1.5 })))).rejects.toThrow(/latencyMs/);
    await expect(t.db.withOrg(org.orgId, (tx) => appendGatewayAudit(tx, record(0, { redactionCounts: { PERSON: -2 } })))).rejects.toThrow(/redactionCounts/);
  });
});

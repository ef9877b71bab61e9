import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths';
import { appendAuditEvent, type AuditEvent } from '../db/repositories/audit';
import { appendGatewayAudit, type GatewayAuditRecord } from '../gateway/gateway-audit';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { verifyAuditTrails } from './audit-verify';

let t: TestDatabase;
let alpha: { orgId: string; gateway: GatewayAuditRecord[]; events: AuditEvent[] };
let beta: { orgId: string; gateway: GatewayAuditRecord[]; events: AuditEvent[] };

async function org(name: string, calls: number, events: number) {
  const { orgId, userId } = await seedOrg(t.db, { name });
  const gateway: GatewayAuditRecord[] = [];
  for (let i = 0; i < calls; i++) {
    gateway.push(await t.db.withOrg(orgId, (tx) => appendGatewayAudit(tx, { userId, purpose: 'rubric_analysis', provider: 'local', model: 'gemma', tokensIn: 100 + i, latencyMs: 3, policyDecision: 'allow', policyVersion: 'v1', promptSha256: null, responseSha256: null })));
  }
  const audit: AuditEvent[] = [];
  for (let i = 0; i < events; i++) audit.push(await t.db.withOrg(orgId, (tx) => appendAuditEvent(tx, { actorUserId: userId, action: 'test.event', data: { i } })));
  return { orgId, gateway, events: audit };
}

beforeAll(async () => {
  t = await createTestDatabase();
  alpha = await org('Alpha Clinic', 4, 2);
  beta = await org('Beta Clinic', 2, 0);
});
afterAll(async () => t?.drop());

const trails = () => ({ keys: t.keys, auditHeads: t.auditHeads });

async function tamper(sql: string, values: unknown[]) {
  const su = new pg.Client({ connectionString: t.url });
  await su.connect();
  try {
    // Superuser only: replica mode skips ordinary triggers, the append-only guard among them.
    await su.query('SET session_replication_role = replica');
    await su.query(sql, values);
  } finally {
    await su.end();
  }
}

function feedback(args: string[]) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/feedback.mjs'), ...args], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: '', FE_KEK_FILE: t.kekFile, FE_AUDIT_HEAD_DIR: t.auditHeadDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.once('exit', (code) => r({ code, stdout, stderr })));
}

describe('feedback audit verify', () => {
  it('reports every org intact with its record count and head hash', async () => {
    const reports = await verifyAuditTrails(t.url, trails());
    expect(reports.map((r) => [r.orgName, r.gateway, r.session.ok && r.session.count])).toEqual([
      ['Alpha Clinic', { ok: true, count: 4, headHash: alpha.gateway[3]!.hash, checkpointSeq: 4 }, 2],
      ['Beta Clinic', { ok: true, count: 2, headHash: beta.gateway[1]!.hash, checkpointSeq: 2 }, 0],
    ]);
  });

  it('exits 0 and prints ok lines, selecting one org by name or id', async () => {
    const all = await feedback(['audit', 'verify', '--database-url', t.url]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain(`Alpha Clinic (${alpha.orgId})\n  gateway audit: ok: 4 records, head ${alpha.gateway[3]!.hash}, checkpoint at seq 4\n  session audit: ok: 2 records, head `);
    expect(all.stdout).toMatch(/session audit: ok: 2 records, head [0-9a-f]{64}, checkpoint at seq 2\n/);
    expect(all.stdout).toContain(`Beta Clinic (${beta.orgId})\n  gateway audit: ok: 2 records, head ${beta.gateway[1]!.hash}, checkpoint at seq 2\n  session audit: ok: 0 records, head none`);
    expect((await verifyAuditTrails(t.url, { ...trails(), org: beta.orgId })).map((r) => r.orgName)).toEqual(['Beta Clinic']);
    expect((await verifyAuditTrails(t.url, { ...trails(), org: 'Alpha Clinic' })).map((r) => r.orgId)).toEqual([alpha.orgId]);
    await expect(verifyAuditTrails(t.url, { ...trails(), org: 'Nobody' })).rejects.toThrow(/No org with id or name "Nobody"/);
  }, 60_000);

  it('names the first broken link of a tampered trail and exits 1, other orgs still ok', async () => {
    await tamper('UPDATE ai_gateway_audit SET tokens_in = 999999 WHERE org_id = $1 AND seq = 2', [alpha.orgId]);
    await tamper("UPDATE audit_events SET data = '{\"i\": 42}' WHERE org_id = $1 AND seq = 1", [alpha.orgId]);
    const r = await feedback(['audit', 'verify', '--database-url', t.url]);
    expect(r.code, r.stderr).toBe(1);
    const sessionId = (await verifyAuditTrails(t.url, { ...trails(), org: alpha.orgId }))[0]!.session;
    expect(sessionId).toMatchObject({ ok: false, brokenSeq: 1, reason: 'hash_mismatch' });
    expect(r.stdout).toContain(`Alpha Clinic (${alpha.orgId})\n  gateway audit: BROKEN at seq 2 (id ${alpha.gateway[1]!.id}): hash_mismatch\n  session audit: BROKEN at seq 1 (id ${alpha.events[0]!.id}): hash_mismatch\n`);
    expect(r.stdout).toContain(`Beta Clinic (${beta.orgId})\n  gateway audit: ok: 2 records`);
    expect(r.stderr).toContain('1 of 2 org(s) have a broken trail.');
    const onlyBeta = await feedback(['audit', 'verify', '--database-url', t.url, '--org', 'Beta Clinic']);
    expect(onlyBeta.code, onlyBeta.stderr).toBe(0);
    expect(onlyBeta.stdout).not.toContain('Alpha');
  }, 60_000);

  it('prints the exact row of a deleted entry and the first missing row of a truncated trail', async () => {
    const gamma = await org('Gamma Clinic', 0, 4);
    const delta = await org('Delta Clinic', 0, 5);
    await tamper('DELETE FROM audit_events WHERE org_id = $1 AND seq = 2', [gamma.orgId]);
    await tamper('DELETE FROM audit_events WHERE org_id = $1 AND seq > 3', [delta.orgId]);
    const r = await feedback(['audit', 'verify', '--database-url', t.url]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`Gamma Clinic (${gamma.orgId})\n  gateway audit: ok: 0 records, head none\n  session audit: BROKEN at seq 2 (id ${gamma.events[2]!.id}): row_deleted\n`);
    expect(r.stdout).toContain(`Delta Clinic (${delta.orgId})\n  gateway audit: ok: 0 records, head none\n  session audit: BROKEN at seq 4 (id none: missing): truncated\n`);
  }, 60_000);

  it('catches a superuser who edits a gateway row and re-hashes the rest of the trail (signed head outside the database)', async () => {
    const eps = await org('Epsilon Clinic', 3, 0);
    const zeta = await org('Zeta Clinic', 3, 0);
    // Edit row 2, then recompute every hash from it on with the database's own function: the walk alone finds nothing.
    await tamper('UPDATE ai_gateway_audit SET tokens_in = 1 WHERE org_id = $1 AND seq = 2', [eps.orgId]);
    for (const seq of [2, 3]) {
      await tamper('UPDATE ai_gateway_audit SET prev_hash = (SELECT hash FROM ai_gateway_audit WHERE org_id = $1 AND seq = $2 - 1) WHERE org_id = $1 AND seq = $2', [eps.orgId, seq]);
      await tamper('UPDATE ai_gateway_audit a SET hash = ai_gateway_audit_hash(a) WHERE org_id = $1 AND seq = $2', [eps.orgId, seq]);
    }
    // And cut the newest row of another org's trail.
    await tamper('DELETE FROM ai_gateway_audit WHERE org_id = $1 AND seq = 3', [zeta.orgId]);
    const [e] = await verifyAuditTrails(t.url, { ...trails(), org: eps.orgId });
    expect(e!.gateway).toMatchObject({ ok: false, brokenSeq: 3, brokenId: eps.gateway[2]!.id, reason: 'checkpoint_mismatch' });
    const [z] = await verifyAuditTrails(t.url, { ...trails(), org: zeta.orgId });
    expect(z!.gateway).toMatchObject({ ok: false, brokenSeq: 3, brokenId: null, reason: 'truncated' });
    const r = await feedback(['audit', 'verify', '--database-url', t.url, '--org', 'Epsilon Clinic']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`gateway audit: BROKEN at seq 3 (id ${eps.gateway[2]!.id}): checkpoint_mismatch`);
  }, 60_000);

  it('exits 2 on a usage error or an unknown org', async () => {
    expect((await feedback(['audit', 'check'])).code).toBe(2);
    const unknown = await feedback(['audit', 'verify', '--database-url', t.url, '--org', 'Nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No org with id or name "Nobody"/);
  }, 60_000);
});

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS, type AuditRecord } from '../../../../app/contracts/ai-admin-api';
import { createApiServer, type ApiServer } from '../http-server';
import { databaseTokenResolver } from '../token-resolver';
import { createSessionService } from '../../sessions/session-service';
import { addApiToken, addMembership, createOrg, createUser, type Role } from '../../db/repositories/identity';
import { listAuditEvents } from '../../db/repositories/audit';
import { createAiAdminService } from '../../gateway/admin/ai-admin-service';
import { createBudgetLedger } from '../../gateway/budget-ledger';
import { appendGatewayAudit, sha256Hex, type NewGatewayAuditRecord } from '../../gateway/gateway-audit';
import { getRubric, listRubrics } from '../../rubrics/rubric-catalog';
import { testAbuseLimits } from '../../testing/test-abuse-limits';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { loadTestAccessEngine } from '../../testing/test-access';

// The shared api-harness does not pass `aiAdmin` (yet): this file builds the same real server with it.
let tdb: TestDatabase;
let api: ApiServer;
let url: string;
let dir: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'fe-ai-admin-'));
  const blobs = tdb.blobStore(path.join(dir, 'blobs'));
  const sessions = createSessionService({ db: tdb.db, blobs, evaluations: { start: async () => Promise.reject(new Error('no Temporal here')), terminate: async () => Promise.reject(new Error('no Temporal here')) }, rubric: (id) => getRubric(id), limits: { maxBytes: 1e6, maxDurationSec: 60 } });
  api = createApiServer({ sessions, db: tdb.db, access: await loadTestAccessEngine(), resolver: databaseTokenResolver(tdb.db), rubrics: () => listRubrics(), uploadsDir: path.join(dir, 'uploads'), maxUploadBytes: 1e6, limits: testAbuseLimits(tdb.db), aiAdmin: createAiAdminService(tdb.db) });
  url = await api.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await api?.close();
  await tdb?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function user(role: Role, orgId?: string) {
  const org = orgId ?? randomUUID();
  const token = `t-${randomBytes(16).toString('hex')}`;
  const userId = await tdb.db.withOrg(org, async (tx) => {
    if (!orgId) await createOrg(tx, { name: `Org ${org.slice(0, 8)}` });
    const u = await createUser(tx, { email: `${role}-${randomBytes(3).toString('hex')}@example.test`, displayName: `Test ${role}` });
    await addMembership(tx, { userId: u.id, role });
    await addApiToken(tx, { userId: u.id, token });
    return u.id;
  });
  return { orgId: org, userId, token };
}

async function call(method: string, p: string, token: string | null, body?: unknown, raw?: string) {
  const res = await fetch(`${url}/v1/admin/ai${p}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, disposition: res.headers.get('content-disposition') ?? '', text, json: text && type.includes('json') ? JSON.parse(text) : null };
}

const record = (over: Partial<NewGatewayAuditRecord> = {}): NewGatewayAuditRecord => ({
  purpose: 'rubric_analysis',
  provider: 'local',
  model: 'qwen2.5-coder-1.5b-instruct',
  tokensIn: 1200,
  tokensOut: 300,
  costMicros: 0,
  latencyMs: 900,
  policyDecision: 'allow',
  policyVersion: 'policies@test',
  redactionCounts: { PERSON: 2 },
  promptSha256: sha256Hex('prompt'),
  responseSha256: sha256Hex('answer'),
  ...over,
});

async function appendAll(orgId: string, records: NewGatewayAuditRecord[]) {
  const out = [];
  for (const r of records) out.push(await tdb.db.withOrg(orgId, (tx) => appendGatewayAudit(tx, r)));
  return out;
}

async function tamper(sql: string, values: unknown[]) {
  const su = new pg.Client({ connectionString: tdb.url });
  await su.connect();
  try {
    // Superuser only: replica mode skips ordinary triggers, the append-only guard among them.
    await su.query('SET session_replication_role = replica');
    await su.query(sql, values);
  } finally {
    await su.end();
  }
}

describe('AI admin API: access', () => {
  it('lets an auditor read every resource but not write budgets', async () => {
    const auditor = await user('auditor');
    for (const p of ['/budgets', '/usage', '/audit', '/audit/export?format=csv', '/audit/export', '/audit/verify']) {
      expect((await call('GET', p, auditor.token)).status, p).toBe(200);
    }
    expect((await call('PUT', '/budgets', auditor.token, { scope: 'org', period: 'day', capMicros: 1 })).json).toMatchObject({ status: 403, code: 'auth.forbidden' });
    expect((await call('DELETE', `/budgets/${randomUUID()}`, auditor.token)).json).toMatchObject({ status: 403, code: 'auth.forbidden' });
  });

  it('refuses clinicians and supervisors everything, and anyone without a token', async () => {
    for (const role of ['clinician', 'supervisor'] as const) {
      const u = await user(role);
      for (const [m, p] of [['GET', '/budgets'], ['GET', '/usage'], ['GET', '/audit'], ['GET', '/audit/export'], ['GET', '/audit/verify'], ['PUT', '/budgets'], ['DELETE', `/budgets/${randomUUID()}`]] as const) {
        const r = await call(m, p, u.token, m === 'PUT' ? { scope: 'org', period: 'day', capMicros: 1 } : undefined);
        expect(r.status, `${role} ${m} ${p}`).toBe(403);
        expect(r.type).toContain('application/problem+json');
        expect(r.json.code).toBe('auth.forbidden');
      }
    }
    expect((await call('GET', '/budgets', null)).json).toMatchObject({ status: 401, code: 'auth.missing' });
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, { required: string[] }> } };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/admin/ai/budgets', '/v1/admin/ai/budgets/{id}', '/v1/admin/ai/usage', '/v1/admin/ai/audit', '/v1/admin/ai/audit/export', '/v1/admin/ai/audit/verify']));
    expect(Object.keys(doc.paths['/v1/admin/ai/budgets'] ?? {})).toEqual(expect.arrayContaining(['get', 'put']));
    expect(doc.components.schemas.AiAuditRecord?.required).toEqual(expect.arrayContaining(['seq', 'hash', 'prevHash']));
  });
});

describe('AI admin API: budgets', () => {
  it('creates, updates in place by (scope, scopeKey, period), lists and deletes budgets, auditing each change', async () => {
    const admin = await user('org_admin');
    const org = await call('PUT', '/budgets', admin.token, { scope: 'org', period: 'month', capMicros: 5_000_000 });
    expect(org.status).toBe(200);
    expect(org.json).toMatchObject({ scope: 'org', scopeKey: '', period: 'month', capMicros: 5_000_000, softAlertFraction: 0.8, reservedMicros: 0, settledMicros: 0 });
    expect(org.json.periodStart).toMatch(/^\d{4}-\d{2}-01$/);
    const purpose = await call('PUT', '/budgets', admin.token, { scope: 'purpose', scopeKey: 'rubric_analysis', period: 'day', capMicros: 1000, softAlertFraction: 0.5 });
    expect(purpose.json).toMatchObject({ scope: 'purpose', scopeKey: 'rubric_analysis', capMicros: 1000, softAlertFraction: 0.5 });

    const updated = await call('PUT', '/budgets', admin.token, { scope: 'org', period: 'month', capMicros: 7_000_000, softAlertFraction: 0.9 });
    expect(updated.json).toMatchObject({ id: org.json.id, capMicros: 7_000_000, softAlertFraction: 0.9 });
    const listed = (await call('GET', '/budgets', admin.token)).json.budgets;
    expect(listed.map((b: { id: string; capMicros: number }) => [b.id, b.capMicros]).sort()).toEqual([[org.json.id, 7_000_000], [purpose.json.id, 1000]].sort());

    expect((await call('DELETE', `/budgets/${purpose.json.id}`, admin.token)).status).toBe(204);
    expect((await call('GET', '/budgets', admin.token)).json.budgets.map((b: { id: string }) => b.id)).toEqual([org.json.id]);
    expect((await call('DELETE', `/budgets/${purpose.json.id}`, admin.token)).json).toMatchObject({ status: 404, code: 'budget.not_found' });
    expect((await call('DELETE', '/budgets/not-a-uuid', admin.token)).json).toMatchObject({ status: 404, code: 'budget.not_found' });

    const events = await tdb.db.withOrg(admin.orgId, (tx) => listAuditEvents(tx));
    expect(events.map((e) => [e.action, e.actorUserId])).toEqual([
      ['ai.budget.set', admin.userId],
      ['ai.budget.set', admin.userId],
      ['ai.budget.set', admin.userId],
      ['ai.budget.deleted', admin.userId],
    ]);
    expect(events[2]!.data).toMatchObject({ capMicros: 7_000_000 });
  });

  it('answers invalid budgets and malformed JSON with request.invalid, changing nothing', async () => {
    const admin = await user('org_admin');
    const bad = [
      { scope: 'org', period: 'day', capMicros: -1 },
      { scope: 'org', period: 'day', capMicros: 1.5 },
      { scope: 'org', scopeKey: 'x', period: 'day', capMicros: 1 },
      { scope: 'purpose', period: 'day', capMicros: 1 },
      { scope: 'user', scopeKey: 'not-a-user-id', period: 'day', capMicros: 1 },
      { scope: 'org', period: 'week', capMicros: 1 },
      { scope: 'org', period: 'day', capMicros: 1, softAlertFraction: 0 },
      { scope: 'org', period: 'day', capMicros: 1, extra: true },
    ];
    for (const body of bad) {
      const r = await call('PUT', '/budgets', admin.token, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.code).toBe('request.invalid');
    }
    const negative = await call('PUT', '/budgets', admin.token, bad[0]);
    expect(negative.json.detail).toMatch(/capMicros/);
    expect((await call('PUT', '/budgets', admin.token, undefined, '{"scope": "org",')).json).toMatchObject({ status: 400, code: 'request.invalid' });
    expect((await call('GET', '/usage?groupBy=team', admin.token)).json).toMatchObject({ status: 400, code: 'request.invalid' });
    expect((await call('GET', '/usage?from=2026-02-01&to=2026-01-01', admin.token)).json).toMatchObject({ status: 400, code: 'request.invalid' });
    expect((await call('GET', '/audit?limit=0', admin.token)).json).toMatchObject({ status: 400, code: 'request.invalid' });
    expect((await call('GET', '/audit?sessionId=nope', admin.token)).json).toMatchObject({ status: 400, code: 'request.invalid' });
    expect((await call('GET', '/audit/export?format=xml', admin.token)).json).toMatchObject({ status: 400, code: 'request.invalid' });
    expect((await call('GET', '/budgets', admin.token)).json.budgets).toEqual([]);
  });
});

describe('AI admin API: usage', () => {
  it('sums settled cost and open reservations per model and per purpose, leaving released ones out', async () => {
    const admin = await user('org_admin');
    await call('PUT', '/budgets', admin.token, { scope: 'org', period: 'month', capMicros: 10_000 });
    const ledger = createBudgetLedger(tdb.db);
    const calls = [
      { purpose: 'rubric_analysis', model: 'gpt-4o', reserve: 500, settle: 120 },
      { purpose: 'rubric_analysis', model: 'gemma', reserve: 300, settle: 200 },
      { purpose: 'transcription', model: 'gpt-4o', reserve: 100, settle: 40 },
      { purpose: 'transcription', model: 'gemma', reserve: 30, settle: null },
      { purpose: 'transcription', model: 'gemma', reserve: 999, settle: 'release' as const },
    ];
    for (const c of calls) {
      const r = await ledger.reserve({ orgId: admin.orgId, userId: admin.userId, purpose: c.purpose, model: c.model, estimateMicros: c.reserve });
      if (!r.ok) throw new Error('reservation refused');
      if (c.settle === 'release') await ledger.release(admin.orgId, r.reservationId);
      else if (c.settle !== null) await ledger.settle(admin.orgId, r.reservationId, c.settle);
    }
    const today = new Date().toISOString().slice(0, 10);
    const byModel = (await call('GET', '/usage?period=day&groupBy=model', admin.token)).json;
    expect(byModel).toEqual({
      period: 'day',
      groupBy: 'model',
      rows: [
        { periodStart: today, key: 'gemma', requests: 2, settledMicros: 200, openReservedMicros: 30 },
        { periodStart: today, key: 'gpt-4o', requests: 2, settledMicros: 160, openReservedMicros: 0 },
      ],
    });
    const byPurpose = (await call('GET', '/usage?period=month&groupBy=purpose', admin.token)).json.rows;
    expect(byPurpose).toEqual([
      { periodStart: `${today.slice(0, 7)}-01`, key: 'rubric_analysis', requests: 2, settledMicros: 320, openReservedMicros: 0 },
      { periodStart: `${today.slice(0, 7)}-01`, key: 'transcription', requests: 2, settledMicros: 40, openReservedMicros: 30 },
    ]);
    expect((await call('GET', '/usage', admin.token)).json.rows).toEqual([{ periodStart: today, key: null, requests: 4, settledMicros: 360, openReservedMicros: 30 }]);
    expect((await call('GET', '/usage?groupBy=user', admin.token)).json.rows).toEqual([{ periodStart: today, key: admin.userId, requests: 4, settledMicros: 360, openReservedMicros: 30 }]);
    expect((await call('GET', '/usage?to=2000-01-01', admin.token)).json.rows).toEqual([]);
    const [budget] = (await call('GET', '/budgets', admin.token)).json.budgets;
    expect(budget).toMatchObject({ settledMicros: 360, reservedMicros: 30 });
  });
});

describe('AI admin API: audit', () => {
  it('filters the trail and pages through it by seq without gaps or repeats', async () => {
    const admin = await user('org_admin');
    const sessionA = randomUUID();
    const stored = await appendAll(admin.orgId, [
      record({ sessionId: sessionA, userId: admin.userId }),
      record({ purpose: 'transcription', model: 'whisper-tiny.en', audioMs: 175_000 }),
      record({ sessionId: sessionA, outcome: 'budget.exceeded', tokensOut: 0, responseSha256: null }),
      record({ sessionId: sessionA }),
      record({ policyDecision: 'deny', outcome: 'policy.denied', promptSha256: null, responseSha256: null }),
      record({ sessionId: sessionA, userId: admin.userId }),
      record({ sessionId: sessionA, model: 'gpt-4o' }),
    ]);
    const all = (await call('GET', '/audit', admin.token)).json;
    expect(all.records).toEqual(stored);
    expect(all.nextAfterSeq).toBeNull();

    const seqs = async (q: string) => (await call('GET', `/audit?${q}`, admin.token)).json.records.map((r: AuditRecord) => r.seq);
    expect(await seqs(`sessionId=${sessionA}`)).toEqual([1, 3, 4, 6, 7]);
    expect(await seqs(`sessionId=${sessionA}&outcome=ok`)).toEqual([1, 4, 6, 7]);
    expect(await seqs('purpose=transcription')).toEqual([2]);
    expect(await seqs(`userId=${admin.userId}`)).toEqual([1, 6]);
    expect(await seqs('model=gpt-4o')).toEqual([7]);
    expect(await seqs('outcome=policy.denied')).toEqual([5]);
    expect(await seqs('to=2000-01-01')).toEqual([]);
    expect(await seqs(`from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await seqs(`from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`)).toEqual([]);

    const pages: number[][] = [];
    let after: number | null = 0;
    while (after !== null) {
      const page: { records: AuditRecord[]; nextAfterSeq: number | null } = (await call('GET', `/audit?sessionId=${sessionA}&outcome=ok&limit=2&afterSeq=${after}`, admin.token)).json;
      pages.push(page.records.map((r) => r.seq));
      after = page.nextAfterSeq;
    }
    expect(pages).toEqual([[1, 4], [6, 7]]);
  });

  it('exports CSV that parses back to the same rows, with commas, quotes and newlines intact', async () => {
    const admin = await user('auditor');
    const tricky = 'triage, "urgent"\nsecond line';
    await appendAll(admin.orgId, [record({ purpose: tricky, policyVersion: 'v1,"q"', redactionCounts: { PERSON: 1, PHONE: 3 } }), record({ outcome: 'upstream.unavailable', audioMs: 1234 }), record({ purpose: tricky, model: 'm\r\nx' })]);
    const json = await call('GET', '/audit/export?format=json', admin.token);
    const csv = await call('GET', '/audit/export?format=csv', admin.token);
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv/);
    expect(csv.disposition).toMatch(new RegExp(`^attachment; filename="ai-audit-${admin.orgId}-\\d{8}T\\d{6}Z\\.csv"$`));
    const rows: Record<string, string>[] = parseCsv(csv.text, { columns: true });
    expect(Object.keys(rows[0]!)).toEqual([...AUDIT_CSV_COLUMNS]);
    const asCsvText = (r: AuditRecord) =>
      Object.fromEntries(AUDIT_CSV_COLUMNS.map((c) => [c, r[c] === null ? '' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c])]));
    expect(json.json).toHaveLength(3);
    expect(rows).toEqual(json.json.map(asCsvText));
    expect(rows[0]!.purpose).toBe(tricky);
    expect(rows[2]!.model).toBe('m\r\nx');
    expect(JSON.parse(rows[0]!.redactionCounts!)).toEqual({ PERSON: 1, PHONE: 3 });

    const filtered: Record<string, string>[] = parseCsv((await call('GET', `/audit/export?format=csv&purpose=${encodeURIComponent(tricky)}`, admin.token)).text, { columns: true });
    expect(filtered.map((r) => r.seq)).toEqual(['1', '3']);
  });

  it('exports JSON as one array of every matching record, and an empty array when nothing matches', async () => {
    const admin = await user('org_admin');
    const stored = await appendAll(admin.orgId, [record(), record({ outcome: 'rate.limited' }), record()]);
    const r = await call('GET', '/audit/export', admin.token);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.disposition).toMatch(/^attachment; filename="ai-audit-.+\.json"$/);
    expect(r.json).toEqual(stored);
    expect((await call('GET', '/audit/export?format=json&outcome=ok', admin.token)).json.map((x: AuditRecord) => x.seq)).toEqual([1, 3]);
    const none = await call('GET', '/audit/export?format=json&model=none', admin.token);
    expect(none.json).toEqual([]);
    expect(parseCsv((await call('GET', '/audit/export?format=csv&model=none', admin.token)).text, { columns: true })).toEqual([]);
  });

  it('verifies the chain, and names the first edited record after a superuser changed its tokens', async () => {
    const admin = await user('org_admin');
    const stored = await appendAll(admin.orgId, [record(), record(), record(), record()]);
    expect((await call('GET', '/audit/verify', admin.token)).json).toEqual({ ok: true, count: 4, headHash: stored[3]!.hash, checkpointSeq: 4 });
    await tamper('UPDATE ai_gateway_audit SET tokens_in = tokens_in + 1 WHERE org_id = $1 AND seq = 3', [admin.orgId]);
    expect((await call('GET', '/audit/verify', admin.token)).json).toEqual({ ok: false, count: 2, firstBrokenId: stored[2]!.id, firstBrokenSeq: 3, reason: 'hash_mismatch' });
    const auditor = await user('auditor', admin.orgId);
    expect((await call('GET', '/audit/verify', auditor.token)).json).toMatchObject({ ok: false, firstBrokenSeq: 3 });
  });

  it("never shows one org's budgets, usage or audit records to another org's admin", async () => {
    const a = await user('org_admin');
    const b = await user('org_admin');
    const budget = (await call('PUT', '/budgets', a.token, { scope: 'org', period: 'day', capMicros: 100 })).json;
    const ledger = createBudgetLedger(tdb.db);
    const res = await ledger.reserve({ orgId: a.orgId, userId: a.userId, purpose: 'p', model: 'm', estimateMicros: 10 });
    if (res.ok) await ledger.settle(a.orgId, res.reservationId, 5);
    await appendAll(a.orgId, [record(), record()]);

    expect((await call('GET', '/budgets', b.token)).json.budgets).toEqual([]);
    expect((await call('GET', '/usage?groupBy=model', b.token)).json.rows).toEqual([]);
    expect((await call('GET', '/audit', b.token)).json.records).toEqual([]);
    expect((await call('GET', '/audit/export', b.token)).json).toEqual([]);
    expect((await call('GET', '/audit/verify', b.token)).json).toEqual({ ok: true, count: 0, headHash: null, checkpointSeq: null });
    expect((await call('DELETE', `/budgets/${budget.id}`, b.token)).json.code).toBe('budget.not_found');
    // b's PUT of the same key creates b's own budget; a's is untouched.
    await call('PUT', '/budgets', b.token, { scope: 'org', period: 'day', capMicros: 1 });
    expect((await call('GET', '/budgets', a.token)).json.budgets).toMatchObject([{ id: budget.id, capMicros: 100, settledMicros: 5 }]);
    expect((await call('GET', '/audit', a.token)).json.records).toHaveLength(2);
  });
});

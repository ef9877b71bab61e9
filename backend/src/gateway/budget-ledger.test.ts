import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database, type Tx } from '../db/database';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { createBudgetLedger, listBudgets, release, releaseStale, reserve, setBudget, settle, usageSummary, type BudgetInput, type ReserveInput } from './budget-ledger';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const day = new Date('2030-01-15T12:00:00Z');
const call = (over: Partial<ReserveInput> = {}): ReserveInput => ({ userId: null, purpose: 'evaluation', model: 'gpt-4o-mini', estimateMicros: 1000, at: day, ...over });

async function orgWith(budgets: BudgetInput[]) {
  const org = await seedOrg(t.db);
  const ids = await t.db.withOrg(org.orgId, async (tx) => {
    const out = [];
    for (const b of budgets) out.push((await setBudget(tx, b)).id);
    return out;
  });
  return { ...org, budgetIds: ids };
}

const inOrg = <T>(orgId: string, fn: (tx: Tx) => Promise<T>): Promise<T> => t.db.withOrg(orgId, fn);

async function usage(orgId: string, at = day) {
  const budgets = await t.db.withOrg(orgId, (tx) => listBudgets(tx, { at }));
  return Object.fromEntries(budgets.map((b) => [`${b.scope}:${b.scopeKey}:${b.period}`, { reserved: b.reservedMicros, settled: b.settledMicros }]));
}

describe('budget ledger', () => {
  it('moves a reservation to settled with the actual cost, and gives a released one back', async () => {
    const org = await orgWith([{ scope: 'org', period: 'day', capMicros: 10_000 }]);
    const a = await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 3000 })));
    expect(a).toMatchObject({ ok: true, replayed: false, softAlerts: [] });
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 3000, settled: 0 } });

    const s = await inOrg(org.orgId, (tx) => settle(tx, a.ok ? a.reservationId : '', 1800));
    expect(s).toMatchObject({ reservedMicros: 3000, settledMicros: 1800, overshootMicros: 0, overCap: [] });
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 0, settled: 1800 } });

    const b = await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 5000 })));
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 5000, settled: 1800 } });
    expect(await inOrg(org.orgId, (tx) => release(tx, b.ok ? b.reservationId : ''))).toEqual({ released: true });
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 0, settled: 1800 } });
  });

  it('admits a reservation that reaches the cap exactly and refuses one micro-dollar more, storing nothing', async () => {
    const org = await orgWith([{ scope: 'org', period: 'month', capMicros: 5000 }]);
    expect((await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 4000 })))).ok).toBe(true);
    const refused = await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 1001 })));
    expect(refused).toEqual({
      ok: false,
      code: 'budget.exceeded',
      budget: { budgetId: org.budgetIds[0], scope: 'org', scopeKey: '', period: 'month', periodStart: '2030-01-01', capMicros: 5000, usedMicros: 4000, requestedMicros: 1001 },
    });
    expect((await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 1000 })))).ok).toBe(true);
    expect(await usage(org.orgId)).toEqual({ 'org::month': { reserved: 5000, settled: 0 } });
    const rows = await inOrg(org.orgId, (tx) => tx.query('SELECT 1 FROM ai_reservations'));
    expect(rows.rowCount).toBe(2);
  });

  it('raises a soft alert once usage reaches the threshold, marking only the crossing reservation', async () => {
    const org = await orgWith([{ scope: 'org', period: 'day', capMicros: 1000, softAlertFraction: 0.5 }]);
    const first = await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 400 })));
    expect(first.ok && first.softAlerts).toEqual([]);
    const second = await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 100 })));
    expect(second.ok && second.softAlerts).toEqual([
      { budgetId: org.budgetIds[0], scope: 'org', scopeKey: '', period: 'day', periodStart: '2030-01-15', capMicros: 1000, usedMicros: 500, thresholdMicros: 500, crossed: true },
    ]);
    const third = await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 100 })));
    expect(third.ok && third.softAlerts.map((a) => [a.usedMicros, a.crossed])).toEqual([[600, false]]);
  });

  it('enforces a user cap on that user only, all or nothing across the org budget', async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    const org = await orgWith([
      { scope: 'org', period: 'day', capMicros: 100_000 },
      { scope: 'user', scopeKey: alice, period: 'day', capMicros: 1000 },
    ]);
    expect((await inOrg(org.orgId, (tx) => reserve(tx, call({ userId: alice, estimateMicros: 800 })))).ok).toBe(true);
    const refused = await inOrg(org.orgId, (tx) => reserve(tx, call({ userId: alice, estimateMicros: 300 })));
    expect(refused).toMatchObject({ ok: false, code: 'budget.exceeded', budget: { scope: 'user', scopeKey: alice, usedMicros: 800, capMicros: 1000 } });
    // The refusal left the org budget untouched.
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 800, settled: 0 }, [`user:${alice}:day`]: { reserved: 800, settled: 0 } });
    expect((await inOrg(org.orgId, (tx) => reserve(tx, call({ userId: bob, estimateMicros: 5000 })))).ok).toBe(true);
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 5800, settled: 0 }, [`user:${alice}:day`]: { reserved: 800, settled: 0 } });
  });

  it('enforces a purpose cap on that purpose only', async () => {
    const org = await orgWith([{ scope: 'purpose', scopeKey: 'transcription', period: 'month', capMicros: 2000 }]);
    expect((await inOrg(org.orgId, (tx) => reserve(tx, call({ purpose: 'transcription', estimateMicros: 2000 })))).ok).toBe(true);
    expect(await inOrg(org.orgId, (tx) => reserve(tx, call({ purpose: 'transcription', estimateMicros: 1 })))).toMatchObject({ ok: false, budget: { scope: 'purpose', scopeKey: 'transcription' } });
    expect((await inOrg(org.orgId, (tx) => reserve(tx, call({ purpose: 'evaluation', estimateMicros: 50_000 })))).ok).toBe(true);
  });

  it('starts each day at zero while a month budget keeps counting', async () => {
    const org = await orgWith([
      { scope: 'org', period: 'day', capMicros: 1000 },
      { scope: 'org', period: 'month', capMicros: 2500 },
    ]);
    const next = new Date('2030-01-16T00:00:00Z');
    const third = new Date('2030-01-17T23:59:59Z');
    expect((await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 1000 })))).ok).toBe(true);
    expect((await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 1 })))).ok).toBe(false);
    expect((await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 1000, at: next })))).ok).toBe(true);
    expect(await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 1000, at: third })))).toMatchObject({ ok: false, budget: { period: 'month', usedMicros: 2000 } });
    expect(await usage(org.orgId, next)).toEqual({ 'org::day': { reserved: 1000, settled: 0 }, 'org::month': { reserved: 2000, settled: 0 } });
  });

  it('records a settlement above the reservation in full, reports the overshoot and then refuses new reservations', async () => {
    const org = await orgWith([{ scope: 'org', period: 'day', capMicros: 1000 }]);
    const r = await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 900 })));
    const s = await inOrg(org.orgId, (tx) => settle(tx, r.ok ? r.reservationId : '', 1200));
    expect(s).toMatchObject({ reservedMicros: 900, settledMicros: 1200, overshootMicros: 300, overCap: [{ scope: 'org', capMicros: 1000, usedMicros: 1200 }] });
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 0, settled: 1200 } });
    expect(await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 0 })))).toMatchObject({ ok: false, code: 'budget.exceeded' });
  });

  it('settles once: a second settle returns the first, release after settle and settle after release are refused', async () => {
    const org = await orgWith([{ scope: 'org', period: 'day', capMicros: 10_000 }]);
    const a = await inOrg(org.orgId, (tx) => reserve(tx, call()));
    const id = a.ok ? a.reservationId : '';
    await inOrg(org.orgId, (tx) => settle(tx, id, 700));
    expect(await inOrg(org.orgId, (tx) => settle(tx, id, 9000))).toMatchObject({ settledMicros: 700 });
    await expect(inOrg(org.orgId, (tx) => release(tx, id))).rejects.toThrow(/is settled/);
    const b = await inOrg(org.orgId, (tx) => reserve(tx, call()));
    const idB = b.ok ? b.reservationId : '';
    expect(await inOrg(org.orgId, (tx) => release(tx, idB))).toEqual({ released: true });
    expect(await inOrg(org.orgId, (tx) => release(tx, idB))).toEqual({ released: false });
    await expect(inOrg(org.orgId, (tx) => settle(tx, idB, 1))).rejects.toThrow(/was released/);
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 0, settled: 700 } });
  });

  it('charges a retried request with the same idempotency key once, and again only after a release', async () => {
    const org = await orgWith([{ scope: 'org', period: 'day', capMicros: 10_000 }]);
    const key = `activity-${randomUUID()}`;
    const [a, b] = await Promise.all([
      t.db.withOrg(org.orgId, (tx) => reserve(tx, call({ idempotencyKey: key }))),
      t.db.withOrg(org.orgId, (tx) => reserve(tx, call({ idempotencyKey: key }))),
    ]);
    expect(a.ok && b.ok && a.reservationId === b.reservationId).toBe(true);
    expect([a, b].filter((r) => r.ok && r.replayed)).toHaveLength(1);
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 1000, settled: 0 } });
    await inOrg(org.orgId, (tx) => settle(tx, a.ok ? a.reservationId : '', 900));
    expect(await inOrg(org.orgId, (tx) => reserve(tx, call({ idempotencyKey: key })))).toMatchObject({ ok: true, replayed: true });
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 0, settled: 900 } });

    const other = `activity-${randomUUID()}`;
    const c = await inOrg(org.orgId, (tx) => reserve(tx, call({ idempotencyKey: other })));
    await inOrg(org.orgId, (tx) => release(tx, c.ok ? c.reservationId : ''));
    const d = await inOrg(org.orgId, (tx) => reserve(tx, call({ idempotencyKey: other })));
    expect(d).toMatchObject({ ok: true, replayed: false });
    expect(d.ok && c.ok && d.reservationId !== c.reservationId).toBe(true);
  });

  it('releases reservations a dead gateway left open', async () => {
    const org = await orgWith([{ scope: 'org', period: 'day', capMicros: 10_000 }]);
    await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 4000 })));
    expect(await inOrg(org.orgId, (tx) => releaseStale(tx, 3600))).toBe(0);
    await inOrg(org.orgId, (tx) => tx.query("UPDATE ai_reservations SET created_at = now() - interval '2 hours'"));
    await inOrg(org.orgId, (tx) => reserve(tx, call({ estimateMicros: 500 })));
    expect(await inOrg(org.orgId, (tx) => releaseStale(tx, 3600))).toBe(1);
    expect(await usage(org.orgId)).toEqual({ 'org::day': { reserved: 500, settled: 0 } });
  });

  it('summarises usage by org, user, purpose and model per period, leaving out released calls', async () => {
    const alice = randomUUID();
    const org = await orgWith([]);
    const ledger = createBudgetLedger(t.db);
    const go = async (over: Partial<ReserveInput>, actual: number | 'release' | 'open') => {
      const r = await ledger.reserve({ orgId: org.orgId, ...call(over) });
      if (!r.ok) throw new Error('refused');
      if (actual === 'release') await ledger.release(org.orgId, r.reservationId);
      else if (actual !== 'open') await ledger.settle(org.orgId, r.reservationId, actual);
    };
    await go({ userId: alice, purpose: 'evaluation', model: 'gpt-4o' }, 100);
    await go({ userId: alice, purpose: 'transcription', model: 'whisper-1' }, 20);
    await go({ userId: null, purpose: 'evaluation', model: 'gpt-4o', estimateMicros: 70 }, 'open');
    await go({ userId: alice, purpose: 'evaluation', model: 'gpt-4o' }, 'release');
    const today = new Date().toISOString().slice(0, 10);
    expect(await ledger.usage(org.orgId, { period: 'day', groupBy: 'org' })).toEqual([{ periodStart: today, key: null, requests: 3, settledMicros: 120, openReservedMicros: 70 }]);
    expect(await ledger.usage(org.orgId, { period: 'day', groupBy: 'user' })).toEqual([
      { periodStart: today, key: null, requests: 1, settledMicros: 0, openReservedMicros: 70 },
      { periodStart: today, key: alice, requests: 2, settledMicros: 120, openReservedMicros: 0 },
    ]);
    expect(await ledger.usage(org.orgId, { period: 'month', groupBy: 'purpose' })).toEqual([
      { periodStart: `${today.slice(0, 7)}-01`, key: 'evaluation', requests: 2, settledMicros: 100, openReservedMicros: 70 },
      { periodStart: `${today.slice(0, 7)}-01`, key: 'transcription', requests: 1, settledMicros: 20, openReservedMicros: 0 },
    ]);
    expect((await ledger.usage(org.orgId, { period: 'day', groupBy: 'model' })).map((r) => [r.key, r.settledMicros])).toEqual([
      ['gpt-4o', 100],
      ['whisper-1', 20],
    ]);
    expect(await ledger.usage(org.orgId, { period: 'day', groupBy: 'org', to: new Date('2000-01-01') })).toEqual([]);
  });

  it('shows another org none of the budgets or reservations, and cannot settle them', async () => {
    const a = await orgWith([{ scope: 'org', period: 'day', capMicros: 10_000 }]);
    const b = await orgWith([]);
    const r = await inOrg(a.orgId, (tx) => reserve(tx, call()));
    expect(await t.db.withOrg(b.orgId, (tx) => listBudgets(tx))).toEqual([]);
    expect(await t.db.withOrg(b.orgId, (tx) => usageSummary(tx, { period: 'day', groupBy: 'org' }))).toEqual([]);
    expect((await t.db.withOrg(b.orgId, (tx) => tx.query('SELECT * FROM ai_budget_counters'))).rowCount).toBe(0);
    await expect(t.db.withOrg(b.orgId, (tx) => settle(tx, r.ok ? r.reservationId : '', 1))).rejects.toThrow(/No reservation/);
    // b's reservation is not counted against a's budget.
    expect(await t.db.withOrg(b.orgId, (tx) => reserve(tx, call({ estimateMicros: 1_000_000 })))).toMatchObject({ ok: true });
    expect(await usage(a.orgId)).toEqual({ 'org::day': { reserved: 1000, settled: 0 } });
    await expect(t.db.withOrg(b.orgId, (tx) => tx.query("INSERT INTO ai_budgets (org_id, scope, scope_key, period, cap_micros) VALUES ($1, 'org', '', 'month', 1)", [a.orgId]))).rejects.toThrow(/row-level security/);
  });
});

describe('budget ledger under concurrency', () => {
  let pool: Database;
  beforeAll(() => {
    pool = createDatabase(t.url, { max: 20 });
  });
  afterAll(() => pool.close());

  it('lets exactly N of 500 concurrent reservations through a cap that allows N, never reserving past it', async () => {
    const N = 137;
    const estimate = 1234;
    const users = Array.from({ length: 5 }, () => randomUUID());
    const org = await orgWith([
      { scope: 'org', period: 'day', capMicros: N * estimate + estimate - 1 },
      { scope: 'purpose', scopeKey: 'evaluation', period: 'day', capMicros: 10 * N * estimate },
      ...users.map((u) => ({ scope: 'user' as const, scopeKey: u, period: 'day' as const, capMicros: 10 * N * estimate })),
    ]);
    const ledger = createBudgetLedger(pool);
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => ledger.reserve({ orgId: org.orgId, ...call({ userId: users[i % users.length]!, estimateMicros: estimate }) })),
    );
    const ms = performance.now() - started;
    const ok = results.filter((r) => r.ok);
    expect(ok).toHaveLength(N);
    expect(results.filter((r) => !r.ok && r.code === 'budget.exceeded')).toHaveLength(500 - N);
    const totals = await usage(org.orgId);
    expect(totals['org::day']).toEqual({ reserved: N * estimate, settled: 0 });
    expect(totals['purpose:evaluation:day']).toEqual({ reserved: N * estimate, settled: 0 });
    expect(users.reduce((sum, u) => sum + totals[`user:${u}:day`]!.reserved, 0)).toBe(N * estimate);
    const [row] = (await t.db.withOrg(org.orgId, (tx) => tx.query<{ n: string; sum: string }>('SELECT count(*) AS n, sum(reserved_micros) AS sum FROM ai_reservations'))).rows;
    expect({ n: Number(row!.n), sum: Number(row!.sum) }).toEqual({ n: N, sum: N * estimate });
    console.log(`concurrency: 500 reservations, cap allows ${N}, ${ok.length} succeeded, ${(ms).toFixed(0)} ms with 20 connections`);
  });

  it('keeps every user under their own cap while settlements run alongside', async () => {
    const users = Array.from({ length: 4 }, () => randomUUID());
    const perUser = 20;
    const org = await orgWith(users.map((u) => ({ scope: 'user' as const, scopeKey: u, period: 'day' as const, capMicros: perUser * 100 })));
    const ledger = createBudgetLedger(pool);
    const results = await Promise.all(
      Array.from({ length: 240 }, async (_, i) => {
        const r = await ledger.reserve({ orgId: org.orgId, ...call({ userId: users[i % users.length]!, estimateMicros: 100 }) });
        // Settling at the reserved amount keeps each user's usage unchanged, so exactly the cap is used.
        if (r.ok && i % 3 === 0) await ledger.settle(org.orgId, r.reservationId, 100);
        return r;
      }),
    );
    const totals = await usage(org.orgId);
    for (const u of users) {
      const tu = totals[`user:${u}:day`]!;
      expect(tu.reserved + tu.settled).toBeLessThanOrEqual(perUser * 100);
      expect(tu.reserved + tu.settled).toBe(perUser * 100);
    }
    expect(results.filter((r) => r.ok)).toHaveLength(users.length * perUser);
  });
});

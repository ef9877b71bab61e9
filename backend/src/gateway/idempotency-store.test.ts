import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { createBudgetLedger, setBudget } from './budget-ledger';
import { createIdempotencyStore, requestSha256, type IdempotencyStore } from './idempotency-store';

let t: TestDatabase;
let store: IdempotencyStore;
beforeAll(async () => {
  t = await createTestDatabase();
  store = createIdempotencyStore(t.db);
});
afterAll(() => t.drop());

const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Summarise [PERSON_1]' }], max_tokens: 200 };

describe('idempotency store', () => {
  it('hashes a request independently of key order and distinguishes different requests', () => {
    expect(requestSha256({ b: 1, a: [1, { y: 2, x: 1 }] })).toBe(requestSha256({ a: [1, { x: 1, y: 2 }], b: 1 }));
    expect(requestSha256(request)).not.toBe(requestSha256({ ...request, max_tokens: 201 }));
    expect(requestSha256(request)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('claims a new key, reports it in flight to a second attempt, then returns the stored answer', async () => {
    const { orgId } = await seedOrg(t.db);
    const hash = requestSha256(request);
    expect(await store.begin(orgId, 'k-1', hash)).toEqual({ state: 'new' });
    expect(await store.begin(orgId, 'k-1', hash)).toEqual({ state: 'in_flight', code: 'idempotency.in_flight' });
    const answer = { id: 'chatcmpl-1', choices: [{ message: { role: 'assistant', content: 'Fine.' } }], usage: { prompt_tokens: 12, completion_tokens: 2 } };
    await store.complete(orgId, 'k-1', answer);
    expect(await store.begin(orgId, 'k-1', hash)).toEqual({ state: 'completed', response: answer });
    // Completing again keeps the first answer.
    await store.complete(orgId, 'k-1', { other: true });
    expect(await store.begin(orgId, 'k-1', hash)).toEqual({ state: 'completed', response: answer });
  });

  it('refuses the same key with a different request as a conflict, in flight or completed', async () => {
    const { orgId } = await seedOrg(t.db);
    await store.begin(orgId, 'k-2', requestSha256(request));
    const other = requestSha256({ ...request, max_tokens: 5 });
    expect(await store.begin(orgId, 'k-2', other)).toEqual({ state: 'conflict', code: 'idempotency.conflict' });
    await store.complete(orgId, 'k-2', { ok: 1 });
    expect(await store.begin(orgId, 'k-2', other)).toEqual({ state: 'conflict', code: 'idempotency.conflict' });
  });

  it('gives exactly one of many concurrent attempts the key', async () => {
    const { orgId } = await seedOrg(t.db);
    const hash = requestSha256(request);
    const results = await Promise.all(Array.from({ length: 12 }, () => store.begin(orgId, 'k-race', hash)));
    expect(results.filter((r) => r.state === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.state === 'in_flight')).toHaveLength(11);
  });

  it('lets a retry run again after the owner abandoned the key or its lease ran out', async () => {
    const { orgId } = await seedOrg(t.db);
    const hash = requestSha256(request);
    expect(await store.begin(orgId, 'k-3', hash)).toEqual({ state: 'new' });
    await store.abandon(orgId, 'k-3');
    expect(await store.begin(orgId, 'k-3', hash, { leaseSec: 0 })).toEqual({ state: 'new' });
    // The lease of 0 s has already run out: the next attempt takes the key over.
    expect(await store.begin(orgId, 'k-3', hash)).toEqual({ state: 'new' });
    expect(await store.begin(orgId, 'k-3', hash)).toEqual({ state: 'in_flight', code: 'idempotency.in_flight' });
    await store.complete(orgId, 'k-3', { done: true });
    await store.abandon(orgId, 'k-3');
    expect(await store.begin(orgId, 'k-3', hash)).toEqual({ state: 'completed', response: { done: true } });
  });

  it('charges a completed request once however often it is retried', async () => {
    const { orgId } = await seedOrg(t.db);
    await t.db.withOrg(orgId, (tx) => setBudget(tx, { scope: 'org', period: 'day', capMicros: 1_000_000 }));
    const ledger = createBudgetLedger(t.db);
    const hash = requestSha256(request);
    let charged = 0;
    // What the gateway does per attempt: begin → (new) reserve, call, settle, complete; (completed) return the answer.
    const attempt = async () => {
      const begun = await store.begin(orgId, 'activity-7', hash);
      if (begun.state === 'completed') return begun.response;
      if (begun.state !== 'new') throw new Error(begun.state);
      const r = await ledger.reserve({ orgId, userId: null, purpose: 'evaluation', model: 'gpt-4o-mini', estimateMicros: 500, idempotencyKey: 'activity-7' });
      if (!r.ok) throw new Error(r.code);
      await ledger.settle(orgId, r.reservationId, 321);
      charged += 1;
      const response = { content: 'answer' };
      await store.complete(orgId, 'activity-7', response);
      return response;
    };
    for (let i = 0; i < 4; i++) expect(await attempt()).toEqual({ content: 'answer' });
    expect(charged).toBe(1);
    expect(await ledger.usage(orgId, { period: 'day', groupBy: 'org' })).toMatchObject([{ requests: 1, settledMicros: 321, openReservedMicros: 0 }]);
  });

  it('keeps keys per org: another org neither sees nor conflicts with them', async () => {
    const a = await seedOrg(t.db);
    const b = await seedOrg(t.db);
    await store.begin(a.orgId, 'shared-key', requestSha256(request));
    await store.complete(a.orgId, 'shared-key', { secret: 'of a' });
    expect(await store.begin(b.orgId, 'shared-key', requestSha256({ different: true }))).toEqual({ state: 'new' });
    expect((await t.db.withOrg(b.orgId, (tx) => tx.query('SELECT response FROM ai_idempotency_keys WHERE response IS NOT NULL'))).rowCount).toBe(0);
  });

  it('rejects a malformed request hash or key', async () => {
    const { orgId } = await seedOrg(t.db);
    await expect(store.begin(orgId, 'k', 'not-a-hash')).rejects.toThrow(/sha256/);
    await expect(store.begin(orgId, '', requestSha256(request))).rejects.toThrow(/1 to 255/);
    await expect(store.complete(orgId, 'never-begun', {})).rejects.toThrow(/was not begun/);
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { appendAuditEvent, listAuditEvents, verifyAuditChain } from './audit';

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

async function orgWithEvents(n: number) {
  const org = await seedOrg(t.db);
  const events = [];
  for (let i = 0; i < n; i++) {
    events.push(await t.db.withOrg(org.orgId, (tx) => appendAuditEvent(tx, { actorUserId: org.userId, action: 'session.created', targetType: 'session', targetId: `s-${i}`, data: { i, note: 'ünïcode ✓' } })));
  }
  return { org, events };
}

/** Tampering needs the superuser to switch the append-only trigger off first, as an attacker with DB access would. */
async function asSuperuserWithoutGuard(sql: string, values: unknown[]) {
  await su.query('BEGIN');
  await su.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
  await su.query(sql, values);
  await su.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
  await su.query('COMMIT');
}

describe('audit trail', () => {
  it('links each event to the previous one of its org and verifies the chain', async () => {
    const { org, events } = await orgWithEvents(4);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events[0]!.prevHash).toBeNull();
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(new Set(events.map((e) => e.hash)).size).toBe(4);
    expect(events[2]).toMatchObject({ orgId: org.orgId, actorUserId: org.userId, action: 'session.created', targetType: 'session', targetId: 's-2', data: { i: 2, note: 'ünïcode ✓' } });
    expect(await t.db.withOrg(org.orgId, (tx) => verifyAuditChain(tx))).toEqual({ ok: true, count: 4 });
    expect(await t.db.withOrg(org.orgId, (tx) => listAuditEvents(tx, { afterSeq: 2 }))).toEqual(events.slice(2));
  });

  it('keeps one chain per org', async () => {
    const a = await orgWithEvents(2);
    const b = await orgWithEvents(3);
    expect(b.events[0]!.seq).toBe(1);
    expect(b.events[0]!.prevHash).toBeNull();
    expect(await t.db.withOrg(a.org.orgId, (tx) => verifyAuditChain(tx))).toEqual({ ok: true, count: 2 });
    expect(await t.db.withOrg(b.org.orgId, (tx) => verifyAuditChain(tx))).toEqual({ ok: true, count: 3 });
  });

  it('ignores a hash, seq or time supplied by the writer', async () => {
    const org = await seedOrg(t.db);
    const row = await t.db.withOrg(org.orgId, async (tx) =>
      (await tx.query<{ seq: string; hash: string; created_at: Date }>(
        "INSERT INTO audit_events (org_id, seq, action, hash, prev_hash, created_at) VALUES ($1, 42, 'forged', 'deadbeef', 'cafe', '2000-01-01') RETURNING seq, hash, created_at",
        [org.orgId],
      )).rows[0]!,
    );
    expect(row.seq).toBe('1');
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.created_at.getFullYear()).toBeGreaterThan(2000);
    expect(await t.db.withOrg(org.orgId, (tx) => verifyAuditChain(tx))).toEqual({ ok: true, count: 1 });
  });

  it('rejects UPDATE, DELETE and TRUNCATE, even from the superuser', async () => {
    const { org, events } = await orgWithEvents(1);
    const id = events[0]!.id;
    await expect(su.query("UPDATE audit_events SET action = 'x' WHERE id = $1", [id])).rejects.toThrow(/append-only/);
    await expect(su.query('DELETE FROM audit_events WHERE id = $1', [id])).rejects.toThrow(/append-only/);
    await expect(su.query('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
    await expect(t.db.withOrg(org.orgId, (tx) => tx.query("UPDATE audit_events SET action = 'x' WHERE id = $1", [id]))).rejects.toThrow(/permission denied|append-only/);
    await expect(t.db.withOrg(org.orgId, (tx) => tx.query('DELETE FROM audit_events WHERE id = $1', [id]))).rejects.toThrow(/permission denied|append-only/);
    expect(await t.db.withOrg(org.orgId, (tx) => verifyAuditChain(tx))).toEqual({ ok: true, count: 1 });
  });

  it('detects an edited row and names it as the first broken one', async () => {
    const { org, events } = await orgWithEvents(5);
    await asSuperuserWithoutGuard(`UPDATE audit_events SET data = '{"i": 99}' WHERE id = $1`, [events[2]!.id]);
    expect(await t.db.withOrg(org.orgId, (tx) => verifyAuditChain(tx))).toEqual({ ok: false, count: 2, firstBrokenId: events[2]!.id, reason: 'hash_mismatch' });
  });

  it('detects an edited row whose hash was recomputed, at the next link', async () => {
    const { org, events } = await orgWithEvents(4);
    await asSuperuserWithoutGuard(`UPDATE audit_events SET action = 'nothing.happened' WHERE id = $1`, [events[1]!.id]);
    await asSuperuserWithoutGuard('UPDATE audit_events a SET hash = audit_event_hash(a) WHERE id = $1', [events[1]!.id]);
    expect(await t.db.withOrg(org.orgId, (tx) => verifyAuditChain(tx))).toEqual({ ok: false, count: 2, firstBrokenId: events[2]!.id, reason: 'prev_hash_mismatch' });
  });

  it('detects a deleted row at the row after the gap', async () => {
    const { org, events } = await orgWithEvents(4);
    await asSuperuserWithoutGuard('DELETE FROM audit_events WHERE id = $1', [events[1]!.id]);
    expect(await t.db.withOrg(org.orgId, (tx) => verifyAuditChain(tx))).toEqual({ ok: false, count: 1, firstBrokenId: events[2]!.id, reason: 'sequence_gap' });
  });

  it('keeps the chain intact under concurrent appends', async () => {
    const org = await seedOrg(t.db);
    await Promise.all(Array.from({ length: 12 }, (_, i) => t.db.withOrg(org.orgId, (tx) => appendAuditEvent(tx, { action: 'concurrent', data: { i } }))));
    expect(await t.db.withOrg(org.orgId, (tx) => verifyAuditChain(tx))).toEqual({ ok: true, count: 12 });
  });
});

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { migrate } from '../migrate';
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

async function orgWithEvents(n: number, db = t) {
  const org = await seedOrg(db.db);
  const events = [];
  for (let i = 0; i < n; i++) {
    events.push(await db.db.withOrg(org.orgId, (tx) => appendAuditEvent(tx, { actorUserId: org.userId, action: 'session.created', targetType: 'session', targetId: `s-${i}`, data: { i, note: 'ünïcode ✓', nested: { z: 1, a: [2, { y: true, b: null }] } } })));
  }
  return { org, events };
}

/** An attacker with the database superuser: replica mode skips ordinary triggers, the append-only guard among them. */
async function tamper(sql: string, values: unknown[] = [], client = su) {
  await client.query('BEGIN');
  await client.query('SET LOCAL session_replication_role = replica');
  await client.query(sql, values);
  await client.query('COMMIT');
}

const verify = (orgId: string, db = t) => db.db.withOrg(orgId, (tx) => verifyAuditChain(tx));

describe('keyed audit trail', () => {
  it('links each event to the previous one of its org, keys it, checkpoints the head and verifies the chain', async () => {
    const { org, events } = await orgWithEvents(4);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events[0]!.prevHash).toBeNull();
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(events[2]).toMatchObject({ orgId: org.orgId, actorUserId: org.userId, action: 'session.created', targetType: 'session', targetId: 's-2', data: { i: 2, note: 'ünïcode ✓' } });
    expect(await verify(org.orgId)).toEqual({ ok: true, count: 4, headHash: events[3]!.hash, checkpointSeq: 4 });
    expect(await t.auditHeads.read(org.orgId)).toMatchObject({ orgId: org.orgId, seq: 4, hash: events[3]!.hash });
    expect(await t.db.withOrg(org.orgId, (tx) => listAuditEvents(tx, { afterSeq: 2 }))).toEqual(events.slice(2));
    // The database could not have produced it: its own unkeyed hash of the row differs.
    const { rows } = await su.query<{ db: string }>('SELECT audit_event_hash(a) AS db FROM audit_events a WHERE id = $1', [events[0]!.id]);
    expect(rows[0]!.db).not.toBe(events[0]!.hash);
  });

  it('keeps one chain and one checkpoint per org', async () => {
    const a = await orgWithEvents(2);
    const b = await orgWithEvents(3);
    expect(b.events[0]!.seq).toBe(1);
    expect(await verify(a.org.orgId)).toMatchObject({ ok: true, count: 2, checkpointSeq: 2 });
    expect(await verify(b.org.orgId)).toMatchObject({ ok: true, count: 3, checkpointSeq: 3 });
  });

  it('refuses an entry without the keyed hash, or one that does not follow the head', async () => {
    const { org, events } = await orgWithEvents(1);
    const insert = (seq: number, prev: string | null, mac: string | null) =>
      t.db.withOrg(org.orgId, (tx) => tx.query("INSERT INTO audit_events (org_id, seq, prev_hash, action, hash, mac_key_id) VALUES ($1, $2, $3, 'forged', $4, $5)", [org.orgId, seq, prev, 'a'.repeat(64), mac]));
    await expect(insert(2, events[0]!.hash, null)).rejects.toThrow(/keyed hash/);
    await expect(insert(5, events[0]!.hash, org.orgId)).rejects.toThrow(/does not follow/);
    await expect(insert(2, null, org.orgId)).rejects.toThrow(/does not follow/);
    expect(await verify(org.orgId)).toMatchObject({ ok: true, count: 1 });
  });

  it('rejects UPDATE, DELETE and TRUNCATE, even from the superuser', async () => {
    const { org, events } = await orgWithEvents(1);
    const id = events[0]!.id;
    await expect(su.query("UPDATE audit_events SET action = 'x' WHERE id = $1", [id])).rejects.toThrow(/append-only/);
    await expect(su.query('DELETE FROM audit_events WHERE id = $1', [id])).rejects.toThrow(/append-only/);
    await expect(su.query('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
    await expect(t.db.withOrg(org.orgId, (tx) => tx.query("UPDATE audit_events SET action = 'x' WHERE id = $1", [id]))).rejects.toThrow(/permission denied/);
    await expect(t.db.withOrg(org.orgId, (tx) => tx.query('DELETE FROM audit_events WHERE id = $1', [id]))).rejects.toThrow(/permission denied/);
    expect(await verify(org.orgId)).toMatchObject({ ok: true, count: 1 });
  });

  it('names an edited row exactly', async () => {
    const { org, events } = await orgWithEvents(5);
    await tamper(`UPDATE audit_events SET data = '{"i": 99}' WHERE id = $1`, [events[2]!.id]);
    expect(await verify(org.orgId)).toEqual({ ok: false, count: 2, brokenSeq: 3, brokenId: events[2]!.id, reason: 'hash_mismatch' });
  });

  it('names an edited row even when the superuser re-hashed it and every later row without the key', async () => {
    const { org, events } = await orgWithEvents(4);
    await tamper(`UPDATE audit_events SET action = 'nothing.happened' WHERE id = $1`, [events[1]!.id]);
    // What the unkeyed chain allowed: recompute each hash from seq 2 on with the database's sha256.
    for (const e of events.slice(1)) {
      await tamper(`UPDATE audit_events a SET prev_hash = (SELECT hash FROM audit_events p WHERE p.org_id = a.org_id AND p.seq = a.seq - 1) WHERE id = $1`, [e.id]);
      await tamper('UPDATE audit_events a SET hash = audit_event_hash(a) WHERE id = $1', [e.id]);
    }
    expect(await verify(org.orgId)).toEqual({ ok: false, count: 1, brokenSeq: 2, brokenId: events[1]!.id, reason: 'hash_mismatch' });
  });

  it('names a deleted row by its seq, and the row after the gap', async () => {
    const { org, events } = await orgWithEvents(4);
    await tamper('DELETE FROM audit_events WHERE id = $1', [events[1]!.id]);
    expect(await verify(org.orgId)).toEqual({ ok: false, count: 1, brokenSeq: 2, brokenId: events[2]!.id, reason: 'row_deleted' });
  });

  it('detects deleting the newest rows against the checkpoint, and keeps that checkpoint as evidence', async () => {
    const { org, events } = await orgWithEvents(5);
    await tamper('DELETE FROM audit_events WHERE org_id = $1 AND seq >= 4', [org.orgId]);
    expect(await verify(org.orgId)).toEqual({ ok: false, count: 3, brokenSeq: 4, brokenId: null, reason: 'truncated' });
    // New entries after the truncation re-use seq 4 and 5 and 6, but the checkpoint does not follow them.
    for (let i = 0; i < 3; i++) await t.db.withOrg(org.orgId, (tx) => appendAuditEvent(tx, { action: 'after.truncation' }));
    expect(await t.auditHeads.read(org.orgId)).toMatchObject({ seq: 5, hash: events[4]!.hash });
    expect(await verify(org.orgId)).toMatchObject({ ok: false, brokenSeq: 5, reason: 'checkpoint_mismatch' });
  });

  it('refuses a checkpoint file that was edited or is missing', async () => {
    const { org } = await orgWithEvents(3);
    const file = path.join(t.auditHeadDir, `${org.orgId}.json`);
    const head = JSON.parse(await readFile(file, 'utf8')) as { seq: number };
    await writeFile(file, JSON.stringify({ ...head, seq: 2 }));
    expect(await verify(org.orgId)).toMatchObject({ ok: false, brokenSeq: 2, reason: 'checkpoint_invalid' });
    await import('node:fs/promises').then((fs) => fs.rm(file));
    expect(await verify(org.orgId)).toMatchObject({ ok: false, reason: 'checkpoint_missing' });
  });

  it('refuses an unkeyed row appended after keyed ones', async () => {
    const { org, events } = await orgWithEvents(2);
    await tamper(`INSERT INTO audit_events (org_id, seq, prev_hash, action, hash) VALUES ($1, 3, $2, 'forged', 'x')`, [org.orgId, events[1]!.hash]);
    await tamper(`UPDATE audit_events a SET hash = audit_event_hash(a) WHERE org_id = $1 AND seq = 3`, [org.orgId]);
    expect(await verify(org.orgId)).toMatchObject({ ok: false, count: 2, brokenSeq: 3, reason: 'unkeyed_entry' });
  });

  it('keeps the chain intact under concurrent appends', async () => {
    const org = await seedOrg(t.db);
    await Promise.all(Array.from({ length: 12 }, (_, i) => t.db.withOrg(org.orgId, (tx) => appendAuditEvent(tx, { action: 'concurrent', data: { i } }))));
    expect(await verify(org.orgId)).toMatchObject({ ok: true, count: 12, checkpointSeq: 12 });
  });
});

describe('audit entries written before the keyed chain', () => {
  it('still verify, and the first keyed entry anchors them against a re-hash', async () => {
    const old = await createTestDatabase({ upTo: '0012_encryption_at_rest' });
    const c = new pg.Client({ connectionString: old.url });
    await c.connect();
    try {
      const org = await seedOrg(old.db);
      for (let i = 0; i < 3; i++) await old.db.withOrg(org.orgId, (tx) => tx.query("INSERT INTO audit_events (org_id, action, data) VALUES ($1, 'legacy', $2)", [org.orgId, JSON.stringify({ i })]));
      await migrate(old.ownerUrl);
      await old.db.withOrg(org.orgId, (tx) => appendAuditEvent(tx, { action: 'keyed' }));
      expect(await verify(org.orgId, old)).toMatchObject({ ok: true, count: 4, checkpointSeq: 4 });
      await tamper(`UPDATE audit_events SET data = '{"i": 7}' WHERE org_id = $1 AND seq = 2`, [org.orgId], c);
      await tamper('UPDATE audit_events a SET hash = audit_event_hash(a) WHERE org_id = $1 AND seq = 2', [org.orgId], c);
      await tamper('UPDATE audit_events a SET prev_hash = (SELECT hash FROM audit_events WHERE org_id = a.org_id AND seq = 2) WHERE org_id = $1 AND seq = 3', [org.orgId], c);
      await tamper('UPDATE audit_events a SET hash = audit_event_hash(a) WHERE org_id = $1 AND seq = 3', [org.orgId], c);
      expect(await verify(org.orgId, old)).toMatchObject({ ok: false, count: 3, brokenSeq: 4, reason: 'prev_hash_mismatch' });
    } finally {
      await c.end();
      await old.drop();
    }
  });
});

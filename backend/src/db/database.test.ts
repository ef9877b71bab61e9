import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { createSessionWithParticipants, getSession, listSessions } from './repositories/sessions';

let t: TestDatabase;
let a: { orgId: string; userId: string };
let b: { orgId: string; userId: string };
let sessionOfA: string;

const twoParticipants = [
  { channel: 0 as const, displayName: 'Dr. A', roleLabel: 'clinician' },
  { channel: 1 as const, displayName: 'Pat', roleLabel: 'patient' },
];

beforeAll(async () => {
  t = await createTestDatabase();
  a = await seedOrg(t.db);
  b = await seedOrg(t.db);
  sessionOfA = (await t.db.withOrg(a.orgId, (tx) => createSessionWithParticipants(tx, { title: 'A1', rubricId: 'general', createdBy: a.userId, participants: twoParticipants }))).id;
});
afterAll(() => t.drop());

describe('row-level security', () => {
  it('connects as a superuser, yet every transaction runs as fe_app', async () => {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    const [su] = (await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows;
    await client.end();
    expect(su!.rolsuper).toBe(true);
    const who = await t.db.withOrg(a.orgId, (tx) => tx.query<{ current_user: string; org: string }>("SELECT current_user, current_setting('app.org_id') AS org"));
    expect(who.rows[0]).toEqual({ current_user: 'fe_app', org: a.orgId });
  });

  it("hides another org's rows from select", async () => {
    const seenByB = await t.db.withOrg(b.orgId, async (tx) => ({
      direct: (await tx.query('SELECT * FROM sessions WHERE id = $1', [sessionOfA])).rowCount,
      participants: (await tx.query('SELECT * FROM participants WHERE session_id = $1', [sessionOfA])).rowCount,
      repo: await getSession(tx, sessionOfA),
      list: await listSessions(tx),
      orgs: (await tx.query<{ id: string }>('SELECT id FROM orgs')).rows.map((r) => r.id),
    }));
    expect(seenByB).toEqual({ direct: 0, participants: 0, repo: null, list: [], orgs: [b.orgId] });
    const seenByA = await t.db.withOrg(a.orgId, (tx) => getSession(tx, sessionOfA));
    expect(seenByA?.title).toBe('A1');
  });

  it("refuses to insert a row carrying another org's id", async () => {
    await expect(
      t.db.withOrg(b.orgId, (tx) => tx.query("INSERT INTO sessions (org_id, title, rubric_id, created_by) VALUES ($1, 'x', 'general', $2)", [a.orgId, a.userId])),
    ).rejects.toThrow(/row-level security/);
    const count = await t.db.withOrg(a.orgId, async (tx) => (await tx.query('SELECT * FROM sessions')).rowCount);
    expect(count).toBe(1);
  });

  it("cannot update or delete another org's rows (they are invisible, so nothing changes)", async () => {
    const changed = await t.db.withOrg(b.orgId, async (tx) => ({
      updated: (await tx.query("UPDATE sessions SET title = 'hijacked' WHERE id = $1", [sessionOfA])).rowCount,
      deleted: (await tx.query('DELETE FROM participants WHERE session_id = $1', [sessionOfA])).rowCount,
    }));
    expect(changed).toEqual({ updated: 0, deleted: 0 });
    const s = await t.db.withOrg(a.orgId, (tx) => getSession(tx, sessionOfA));
    expect(s?.title).toBe('A1');
    expect(s?.participants).toHaveLength(2);
  });

  it("cannot move its own row into another org", async () => {
    await expect(t.db.withOrg(a.orgId, (tx) => tx.query('UPDATE sessions SET org_id = $2 WHERE id = $1', [sessionOfA, b.orgId]))).rejects.toThrow(/row-level security/);
  });

  it('sees nothing when no org is set, even after an org was set earlier on the same connection', async () => {
    // Reuse pooled connections that have carried app.org_id before (the setting then reads '' not NULL).
    for (let i = 0; i < 3; i++) await t.db.withOrg(a.orgId, (tx) => tx.query('SELECT 1'));
    const counts = await t.db.withoutOrg(async (tx) => {
      const out: Record<string, number> = {};
      for (const table of ['orgs', 'users', 'memberships', 'api_tokens', 'sessions', 'participants', 'consents']) {
        out[table] = (await tx.query(`SELECT * FROM ${table}`)).rowCount;
      }
      return out;
    });
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
    await expect(t.db.withoutOrg((tx) => tx.query("INSERT INTO orgs (id, name) VALUES ($1, 'sneaky')", [randomUUID()]))).rejects.toThrow(/row-level security/);
  });

  it('does not leak the org setting past the transaction', async () => {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE fe_app');
      await client.query("SELECT set_config('app.org_id', $1, true)", [a.orgId]);
      await client.query('COMMIT');
      const after = await client.query<{ current_user: string; org: string | null }>("SELECT current_user, current_setting('app.org_id', true) AS org");
      expect(after.rows[0]!.current_user).toBe('postgres');
      expect(after.rows[0]!.org || null).toBeNull();
    } finally {
      await client.end();
    }
  });

  it('rolls back everything a failing transaction wrote', async () => {
    await expect(
      t.db.withOrg(a.orgId, async (tx) => {
        await tx.query("UPDATE sessions SET title = 'changed' WHERE id = $1", [sessionOfA]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await t.db.withOrg(a.orgId, (tx) => getSession(tx, sessionOfA)))?.title).toBe('A1');
  });

  it('rejects an org id that is not a uuid before touching the database', async () => {
    await expect(t.db.withOrg("x' OR true --", (tx) => tx.query('SELECT 1'))).rejects.toMatchObject({ code: 'request.invalid' });
  });
});

describe('one-statement transactions (withOrgStatement)', () => {
  it('runs as fe_app scoped to the org, like withOrg, and leaves nothing set on the pooled connection', async () => {
    const who = await t.db.withOrgStatement<{ current_user: string; org: string }>(a.orgId, "SELECT current_user, current_setting('app.org_id') AS org");
    expect(who.rows[0]).toEqual({ current_user: 'fe_app', org: a.orgId });
    const seenByB = await t.db.withOrgStatement(b.orgId, 'SELECT id FROM sessions WHERE id = $1', [sessionOfA]);
    expect(seenByB.rowCount).toBe(0);
    await expect(t.db.withOrgStatement(b.orgId, "UPDATE sessions SET title = 'hijacked' WHERE id = $1", [sessionOfA])).resolves.toMatchObject({ rowCount: 0 });
    // The pool (max 4) hands the same connections to withoutOrg, which must see no rows at all.
    for (let i = 0; i < 4; i++) await t.db.withOrgStatement(a.orgId, 'SELECT 1');
    const leaked = await Promise.all(Array.from({ length: 4 }, () => t.db.withoutOrg(async (tx) => (await tx.query('SELECT * FROM sessions')).rowCount)));
    expect(leaked).toEqual([0, 0, 0, 0]);
  });

  it('returns only once its commit is flushed to the WAL, and leaves synchronous_commit as it was', async () => {
    for (let i = 0; i < 5; i++) {
      const { rows } = await t.db.withOrgStatement<{ lsn: string }>(a.orgId, "UPDATE sessions SET title = 'A1' WHERE id = $1 RETURNING pg_current_wal_insert_lsn()::text AS lsn", [sessionOfA]);
      const flushed = await t.db.withOrg(a.orgId, (tx) =>
        tx.query<{ ok: boolean; unchanged: boolean }>(
          "SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS ok, current_setting('synchronous_commit') = (SELECT reset_val FROM pg_settings WHERE name = 'synchronous_commit') AS unchanged",
          [rows[0]!.lsn],
        ),
      );
      expect(flushed.rows[0]).toEqual({ ok: true, unchanged: true });
    }
  });

  it('passes quotes, backslashes and SQL in values as plain data', async () => {
    const nasty = "it's \\ a '); DROP TABLE sessions; -- $1 \u00e9";
    const r = await t.db.withOrgStatement<{ v: string; n: string; b: boolean; z: null }>(a.orgId, 'SELECT $1::text AS v, $2::bigint AS n, $3::boolean AS b, $4::text AS z', [nasty, 9_007_199_254_740_991, true, null]);
    expect(r.rows[0]).toEqual({ v: nasty, n: '9007199254740991', b: true, z: null });
    expect((await t.db.withOrg(a.orgId, (tx) => tx.query('SELECT * FROM sessions'))).rowCount).toBe(1);
  });

  it('rolls back a failing statement and the connection stays usable', async () => {
    await expect(t.db.withOrgStatement(a.orgId, "UPDATE sessions SET title = 'changed' WHERE id = $1 AND 1 / 0 = 1", [sessionOfA])).rejects.toThrow(/division by zero/);
    await expect(t.db.withOrgStatement(b.orgId, "INSERT INTO sessions (org_id, title, rubric_id, created_by) VALUES ($1, 'x', 'general', $2)", [a.orgId, a.userId])).rejects.toThrow(/row-level security/);
    const after = await Promise.all(Array.from({ length: 4 }, () => t.db.withOrgStatement<{ title: string }>(a.orgId, 'SELECT title FROM sessions WHERE id = $1', [sessionOfA])));
    expect(after.map((r) => r.rows[0]?.title)).toEqual(['A1', 'A1', 'A1', 'A1']);
  });

  it('refuses a non-uuid org id, a missing value and a value it cannot inline', async () => {
    await expect(t.db.withOrgStatement("x' OR true --", 'SELECT 1')).rejects.toMatchObject({ code: 'request.invalid' });
    await expect(t.db.withOrgStatement(a.orgId, 'SELECT $2::int', [1])).rejects.toMatchObject({ code: 'internal' });
    await expect(t.db.withOrgStatement(a.orgId, 'SELECT $1::float8', [Number.NaN])).rejects.toMatchObject({ code: 'internal' });
  });
});

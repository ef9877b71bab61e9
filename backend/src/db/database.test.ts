import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { createDatabase, type Database } from './database';
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
  it('connects as the app login fe_web, and every transaction runs as fe_app', async () => {
    const who = await t.db.withOrg(a.orgId, (tx) => tx.query<{ session_user: string; current_user: string; org: string; rolsuper: boolean }>("SELECT session_user, current_user, current_setting('app.org_id') AS org, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS rolsuper"));
    expect(who.rows[0]).toEqual({ session_user: 'fe_web', current_user: 'fe_app', org: a.orgId, rolsuper: false });
  });

  it('runs afterCommit callbacks once the transaction committed, and never after a rollback', async () => {
    const seen: string[] = [];
    const before = (await t.db.withOrg(a.orgId, (tx) => tx.query<{ title: string | null }>('SELECT title FROM sessions WHERE id = $1', [sessionOfA]))).rows[0]!.title;
    await t.db.withOrg(a.orgId, async (tx) => {
      tx.afterCommit(async (db) => {
        // The committed write is visible to a new transaction by then.
        const r = await db.withOrg(a.orgId, (t2) => t2.query<{ title: string }>('SELECT title FROM sessions WHERE id = $1', [sessionOfA]));
        seen.push(`committed:${r.rows[0]?.title}`);
      });
      await tx.query("UPDATE sessions SET title = 'after-commit' WHERE id = $1", [sessionOfA]);
    });
    await expect(
      t.db.withOrg(a.orgId, async (tx) => {
        tx.afterCommit(async () => void seen.push('rolled back'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seen).toEqual(['committed:after-commit']);
    await t.db.withOrg(a.orgId, (tx) => tx.query('UPDATE sessions SET title = $2 WHERE id = $1', [sessionOfA, before]));
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

/** synchronous_commit as the statement itself sees it: 'off' only on the flushed-message path. */
async function commitModeSeen(db: Database, orgId: string): Promise<{ seen: string; serverDefault: string }> {
  const r = await db.withOrgStatement<{ seen: string; server_default: string }>(
    orgId,
    "SELECT current_setting('synchronous_commit') AS seen, (SELECT reset_val FROM pg_settings WHERE name = 'synchronous_commit') AS server_default",
  );
  return { seen: r.rows[0]!.seen, serverDefault: r.rows[0]!.server_default };
}

describe('withOrgStatement without the PostgreSQL 17 flushed message (plain synchronous COMMIT)', () => {
  let plain: Database;
  let auto: Database;
  const dbName = () => new URL(t.url).pathname.slice(1);
  // The test cluster runs with synchronous_commit off; new sessions of this database get it on, so a
  // plain COMMIT waits for the flush and the two paths can be told apart.
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${dbName()} SET synchronous_commit = on`);
    await admin.end();
    plain = createDatabase(t.url, { max: 2, flushMessageCommit: false });
    auto = createDatabase(t.url, { max: 2 });
  });
  afterAll(async () => {
    await Promise.all([plain.close(), auto.close()]);
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${dbName()} RESET synchronous_commit`);
    await admin.end();
  });

  it('takes the flushed-message path on this server by default and a plain COMMIT when disabled', async () => {
    const fast = await commitModeSeen(auto, a.orgId);
    expect(fast).toEqual({ seen: 'off', serverDefault: 'on' });
    const slow = await commitModeSeen(plain, a.orgId);
    expect(slow).toEqual({ seen: 'on', serverDefault: 'on' });
  });

  it('gives the same rows, scoping, inlining and rollback as the fast path', async () => {
    const run = (db: Database) =>
      Promise.all([
        db.withOrgStatement(a.orgId, "SELECT current_user, current_setting('app.org_id') AS org"),
        db.withOrgStatement(b.orgId, 'SELECT id FROM sessions WHERE id = $1', [sessionOfA]),
        db.withOrgStatement(a.orgId, 'SELECT $1::text AS v, $2::bigint AS n, $3::boolean AS b, $4::text AS z', ["it's \\ a '); DROP TABLE sessions; --", 42, false, null]),
        db.withOrgStatement(a.orgId, "UPDATE sessions SET title = 'changed' WHERE id = $1 AND 1 / 0 = 1", [sessionOfA]).catch((e: Error) => e.message),
        db.withOrgStatement(b.orgId, "INSERT INTO sessions (org_id, title, rubric_id, created_by) VALUES ($1, 'x', 'general', $2)", [a.orgId, a.userId]).catch((e: Error) => e.message),
        db.withOrgStatement(a.orgId, 'SELECT title FROM sessions WHERE id = $1', [sessionOfA]),
      ]).then((rs) => rs.map((r) => (typeof r === 'string' ? r : { rows: r.rows, rowCount: r.rowCount })));
    const fast = await run(auto);
    const slow = await run(plain);
    expect(slow).toEqual(fast);
    expect(slow[0]).toEqual({ rows: [{ current_user: 'fe_app', org: a.orgId }], rowCount: 1 });
    expect(slow[3]).toMatch(/division by zero/);
    const leaked = await Promise.all(Array.from({ length: 2 }, () => plain.withoutOrg(async (tx) => (await tx.query('SELECT * FROM sessions')).rowCount)));
    expect(leaked).toEqual([0, 0]);
  });

  it('returns only once its commit is flushed, and writes what it committed', async () => {
    const { rows } = await plain.withOrgStatement<{ lsn: string }>(a.orgId, "UPDATE sessions SET title = 'A1' WHERE id = $1 RETURNING pg_current_wal_insert_lsn()::text AS lsn", [sessionOfA]);
    const flushed = await plain.withOrg(a.orgId, (tx) => tx.query<{ ok: boolean }>('SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS ok', [rows[0]!.lsn]));
    expect(flushed.rows[0]).toEqual({ ok: true });
  });

  it('falls back by itself for a login that may not run the flushing pg_logical_emit_message', async () => {
    const role = `fe_test_login_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    let limited: Database | undefined;
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw' IN ROLE fe_app`);
      await admin.query(`REVOKE EXECUTE ON FUNCTION pg_catalog.pg_logical_emit_message(boolean, text, text, boolean) FROM PUBLIC`);
      const url = new URL(t.url);
      url.username = role;
      url.password = 'pw';
      limited = createDatabase(url.toString(), { max: 1 });
      expect(await commitModeSeen(limited, a.orgId)).toEqual({ seen: 'on', serverDefault: 'on' });
      const r = await limited.withOrgStatement<{ title: string }>(a.orgId, 'SELECT title FROM sessions WHERE id = $1', [sessionOfA]);
      expect(r.rows).toEqual([{ title: 'A1' }]);
    } finally {
      await limited?.close();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });
});

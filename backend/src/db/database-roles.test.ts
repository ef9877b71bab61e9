import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { appendAuditEvent } from './repositories/audit';
import { handDatabaseToOwner, loginPrivileges } from './database-roles';
import { migrate } from './migrate';

let t: TestDatabase;
let a: { orgId: string };
let b: { orgId: string };

beforeAll(async () => {
  t = await createTestDatabase();
  a = await seedOrg(t.db, { name: 'Roles A' });
  b = await seedOrg(t.db, { name: 'Roles B' });
  for (const org of [a, b]) {
    await t.db.withOrg(org.orgId, async (tx) => {
      await tx.query("INSERT INTO sessions (org_id, title, rubric_id, created_by) SELECT $1, 'S', 'r', id FROM users LIMIT 1", [org.orgId]);
      await appendAuditEvent(tx, { action: 'test.event' });
    });
  }
});
afterAll(() => t?.drop());

/** One client as the app login, inside a transaction scoped to org A exactly like db.withOrg. */
async function asAppInOrgA<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: t.appUrl });
  await c.connect();
  try {
    await c.query(`BEGIN; SET LOCAL ROLE fe_app; SELECT set_config('app.org_id', '${a.orgId}', true)`);
    return await fn(c);
  } finally {
    await c.query('ROLLBACK').catch(() => undefined);
    await c.end();
  }
}

async function refused(c: pg.Client, sql: string): Promise<string> {
  await c.query('SAVEPOINT probe');
  try {
    await c.query(sql);
  } catch (e) {
    await c.query('ROLLBACK TO SAVEPOINT probe');
    return (e as { code?: string }).code ?? 'error';
  }
  throw new Error(`expected ${sql} to be refused`);
}

describe('database roles', () => {
  it('the app connects as a login that is neither superuser nor BYPASSRLS', async () => {
    expect(await loginPrivileges(t.appUrl)).toEqual({ user: 'fe_web', superuser: false, bypassRls: false });
    expect(await loginPrivileges(t.ownerUrl)).toMatchObject({ user: 'fe_owner', superuser: false });
  });

  it('the schema is owned by fe_owner, not by the app login', async () => {
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ owner: string }>("SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'");
      expect(rows.map((r) => r.owner)).toEqual(['fe_owner']);
    } finally {
      await c.end();
    }
  });

  it('RESET ROLE leaves a login that can read and change nothing', async () => {
    await asAppInOrgA(async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM sessions')).rows[0]).toEqual({ n: 1 });
      await c.query('RESET ROLE');
      expect((await c.query('SELECT current_user AS u')).rows[0]).toEqual({ u: 'fe_web' });
      for (const table of ['sessions', 'audit_events', 'users', 'api_tokens', 'data_keys', 'transcripts']) {
        expect(await refused(c, `SELECT * FROM ${table}`)).toBe('42501');
      }
      expect(await refused(c, "UPDATE audit_events SET action = 'x'")).toBe('42501');
      expect(await refused(c, 'DELETE FROM audit_events')).toBe('42501');
      expect(await refused(c, 'ALTER TABLE audit_events DISABLE TRIGGER ALL')).toBe('42501');
      expect(await refused(c, 'ALTER TABLE sessions NO FORCE ROW LEVEL SECURITY')).toBe('42501');
    });
  });

  it('SET ROLE to the owner, the resolver or the superuser is refused', async () => {
    await asAppInOrgA(async (c) => {
      for (const role of ['fe_owner', 'fe_identity_resolver', 'postgres']) expect(await refused(c, `SET ROLE ${role}`)).toBe('42501');
      await c.query('RESET ROLE');
      for (const role of ['fe_owner', 'fe_identity_resolver', 'postgres']) expect(await refused(c, `SET ROLE ${role}`)).toBe('42501');
    });
  });

  it('as fe_app, other orgs stay invisible and the audit trail cannot be changed', async () => {
    await asAppInOrgA(async (c) => {
      const { rows } = await c.query<{ org_id: string }>('SELECT DISTINCT org_id FROM sessions UNION SELECT DISTINCT org_id FROM audit_events');
      expect(rows.map((r) => r.org_id)).toEqual([a.orgId]);
      expect(await refused(c, "UPDATE audit_events SET action = 'x'")).toBe('42501');
      expect(await refused(c, 'DELETE FROM audit_events')).toBe('42501');
      expect(await refused(c, 'TRUNCATE audit_events')).toBe('42501');
      expect(await refused(c, 'ALTER TABLE audit_events DISABLE TRIGGER ALL')).toBe('42501');
      expect(await refused(c, `INSERT INTO sessions (org_id, title, rubric_id, created_by) VALUES ('${b.orgId}', 'x', 'r', gen_random_uuid())`)).toBe('42501');
    });
  });

  it('hands a database migrated by the superuser (a cluster from before these roles) to fe_owner', async () => {
    const old = await createTestDatabase({ migrate: false });
    const c = new pg.Client({ connectionString: old.url });
    try {
      await migrate(old.url);
      await handDatabaseToOwner(old.url);
      await c.connect();
      const { rows } = await c.query<{ owner: string; n: number }>(
        `SELECT pg_get_userbyid(relowner) AS owner, count(*)::int AS n FROM pg_class
          WHERE relnamespace IN ('public'::regnamespace, 'fe_limits'::regnamespace) AND relkind IN ('r', 'S', 'v') GROUP BY 1`,
      );
      expect(rows.map((r) => r.owner)).toEqual(['fe_owner']);
      const fns = await c.query<{ owner: string }>("SELECT DISTINCT pg_get_userbyid(proowner) AS owner FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1");
      expect(fns.rows.map((r) => r.owner)).toEqual(['fe_identity_resolver', 'fe_owner']);
      // The owner can now apply the next migration (none pending: the checksums still match).
      expect(await migrate(old.ownerUrl)).toEqual({ applied: [] });
    } finally {
      await c.end().catch(() => undefined);
      await old.drop();
    }
  });
});

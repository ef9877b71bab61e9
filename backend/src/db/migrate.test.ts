import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { listMigrations, migrate, migrationsDir } from './migrate';

async function query<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function tablesOf(url: string): Promise<string[]> {
  const rows = await query<{ relname: string }>(url, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1");
  return rows.map((r) => r.relname);
}

/** What each migration must add; a new migration without an entry here fails the suite. */
const creates: Record<string, { tables: string[]; functions?: string[]; triggers?: string[] }> = {
  '0001_orgs_users_memberships': { tables: ['orgs', 'users', 'memberships', 'api_tokens'], functions: ['app_current_org', 'resolve_api_token'] },
  '0002_sessions_participants_consents': { tables: ['sessions', 'participants', 'consents'] },
  '0003_recordings_evaluations': { tables: ['recordings', 'evaluations'] },
  '0004_transcripts_analyses_reports': { tables: ['transcripts', 'analyses', 'reports'] },
  '0005_audit_events': {
    tables: ['audit_events'],
    functions: ['audit_event_hash', 'audit_events_link', 'audit_events_reject_change'],
    triggers: ['audit_events_link', 'audit_events_append_only', 'audit_events_no_truncate'],
  },
  '0006_session_invites': { tables: ['session_invites', 'guest_tokens'], functions: ['resolve_session_invite', 'resolve_guest_token'] },
  '0007_ai_budgets_usage': {
    tables: ['ai_budgets', 'ai_budget_counters', 'ai_reservations', 'ai_idempotency_keys', 'ai_gateway_audit'],
    functions: ['ai_gateway_audit_hash', 'ai_gateway_audit_link', 'append_only_reject_change'],
    triggers: ['ai_gateway_audit_link', 'ai_gateway_audit_append_only', 'ai_gateway_audit_no_truncate'],
  },
  '0008_ai_service_credentials': { tables: ['ai_service_credentials', 'ai_org_policies'], functions: ['resolve_ai_service_credential'] },
  '0009_ai_gateway_hot_path': { tables: [], functions: ['ai_idempotency_begin', 'ai_reserve', 'ai_finish_reservation', 'ai_gateway_begin_call', 'ai_gateway_finish_call'] },
  '0010_token_expiry': { tables: [], functions: ['resolve_api_token'] },
  '0011_single_use_invites_rate_limits': { tables: [], functions: ['resolve_session_invite'] },
  '0012_encryption_at_rest': { tables: ['data_keys'], functions: ['seal_legacy_consent'] },
  '0013_supervision_assignments': { tables: ['supervision_assignments'] },
  '0014_keyed_audit_chain': { tables: [], functions: ['audit_events_link'] },
  '0015_retention': { tables: ['org_retention'], functions: ['retention_org_ids'] },
  '0016_applied_migrations': { tables: [], functions: ['applied_migrations'] },
  '0017_oidc_sign_in': { tables: ['org_oidc_providers', 'oidc_login_flows'] },
  '0018_oidc_identities': { tables: ['oidc_identities'] },
  '0019_sign_in_links': { tables: ['sign_in_links'] },
  '0020_scim_provisioning': { tables: ['scim_credentials', 'scim_groups', 'scim_group_members'], functions: ['resolve_api_token'] },
  '0021_saml_sign_in': { tables: ['org_saml_providers', 'saml_request_ids', 'saml_assertion_ids'] },
  '0022_refresh_tokens': { tables: ['refresh_tokens'] },
  '0023_org_session_lifetimes': { tables: ['org_session_lifetimes'] },
  '0024_refresh_token_pruning': { tables: [] },
};

describe('migrations, one by one on the previous state', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(() => t.drop());

  it('has an expectation for every migration file, in order', () => {
    expect(listMigrations().map((m) => m.name)).toEqual(Object.keys(creates));
  });

  for (const [name, expected] of Object.entries(creates)) {
    it(`${name} applies cleanly, creates what it says with row-level security forced, and a re-run is a no-op`, async () => {
      const before = await tablesOf(t.url);
      if (expected.tables.length > 0) expect(before).not.toEqual(expect.arrayContaining(expected.tables));

      expect(await migrate(t.url, undefined, { upTo: name })).toEqual({ applied: [name] });

      const after = await tablesOf(t.url);
      expect(after.filter((x) => !before.includes(x) && x !== 'schema_migrations').sort()).toEqual([...expected.tables].sort());
      const rls = await query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; org_col: string | null; policies: number }>(
        t.url,
        `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname IN ('org_id') AND NOT a.attisdropped) AS org_col,
                (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'org_isolation') AS policies
         FROM pg_class c WHERE c.relname = ANY($1) ORDER BY 1`,
        [expected.tables],
      );
      for (const r of rls) {
        expect({ table: r.relname, enabled: r.relrowsecurity, forced: r.relforcerowsecurity, policies: r.policies }).toEqual({ table: r.relname, enabled: true, forced: true, policies: 1 });
        expect(r.org_col ?? (r.relname === 'orgs' ? 'own id' : null)).not.toBeNull();
      }
      for (const fn of expected.functions ?? []) {
        expect(await query(t.url, 'SELECT 1 FROM pg_proc WHERE proname = $1', [fn])).toHaveLength(1);
      }
      for (const tg of expected.triggers ?? []) {
        expect(await query(t.url, 'SELECT 1 FROM pg_trigger WHERE tgname = $1 AND NOT tgisinternal', [tg])).toHaveLength(1);
      }

      expect(await migrate(t.url, undefined, { upTo: name })).toEqual({ applied: [] });
      const recorded = await query<{ name: string }>(t.url, 'SELECT name FROM schema_migrations ORDER BY name');
      expect(recorded.map((r) => r.name).at(-1)).toBe(name);
    });
  }

  it('leaves no application table without org_id, forced row-level security and an org policy', async () => {
    const rows = await query<{ relname: string; ok: boolean }>(
      t.url,
      `SELECT c.relname,
              c.relrowsecurity AND c.relforcerowsecurity
              AND (c.relname = 'orgs' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND a.attnotnull))
              AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'org_isolation') AS ok
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'schema_migrations'`,
    );
    expect(rows.length).toBe(Object.values(creates).flatMap((c) => c.tables).length);
    expect(rows.filter((r) => !r.ok).map((r) => r.relname)).toEqual([]);
  });

  it('gives the app role no access to the migration bookkeeping', async () => {
    const [r] = await query<{ can: boolean }>(t.url, "SELECT has_table_privilege('fe_app', 'schema_migrations', 'SELECT') AS can");
    expect(r!.can).toBe(false);
  });
});

describe('migrate', () => {
  it('lets concurrent callers run without conflict: the migrations are applied exactly once', async () => {
    const t = await createTestDatabase({ migrate: false });
    try {
      const results = await Promise.all([migrate(t.url), migrate(t.url), migrate(t.url)]);
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual(listMigrations().map((m) => m.name));
      expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    } finally {
      await t.drop();
    }
  });

  it('refuses to run when an applied migration file was edited afterwards', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-migrations-'));
    const t = await createTestDatabase({ migrate: false });
    try {
      cpSync(migrationsDir, dir, { recursive: true });
      await migrate(t.url, undefined, { dir });
      const first = listMigrations(dir)[0]!;
      writeFileSync(path.join(dir, `${first.name}.sql`), `${first.sql}\n-- edited\n`);
      await expect(migrate(t.url, undefined, { dir })).rejects.toThrow(/was changed after it was applied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await t.drop();
    }
  });

  it('rolls back a failing migration entirely and records nothing for it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-migrations-'));
    const t = await createTestDatabase({ migrate: false });
    try {
      cpSync(migrationsDir, dir, { recursive: true });
      writeFileSync(path.join(dir, '9999_broken.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
      await expect(migrate(t.url, undefined, { dir })).rejects.toThrow(/9999_broken failed/);
      expect(await tablesOf(t.url)).not.toContain('half_done');
      const names = (await query<{ name: string }>(t.url, 'SELECT name FROM schema_migrations')).map((r) => r.name);
      expect(names).toHaveLength(listMigrations().length);
      expect(names).not.toContain('9999_broken');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await t.drop();
    }
  });
});

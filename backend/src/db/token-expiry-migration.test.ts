import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { listMigrations, migrate } from './migrate';
import { addApiToken, resolveApiToken, tokenSha256 } from './repositories/identity';

/** The migration that made tokens and credentials expire, found by name so renumbering at landing keeps this test. */
const all = listMigrations();
const mine = all.findIndex((m) => m.name.endsWith('_token_expiry'));
const before = all[mine - 1]!.name;

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ upTo: before });
});
afterAll(async () => t?.drop());

async function superQuery<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    return (await c.query<R>(sql, values)).rows;
  } finally {
    await c.end();
  }
}

describe(`migration ${all[mine]!.name} on existing rows`, () => {
  it('gives existing API tokens an expiry, marks the dev identity\'s token as such, and gives never-expiring service credentials 90 days', async () => {
    expect(mine).toBeGreaterThan(0);
    const s = await seedOrg(t.db);
    // Rows as the code before this migration wrote them (no kind, no expiry).
    await superQuery("INSERT INTO api_tokens (org_id, user_id, token_sha256, label) VALUES ($1, $2, $3, ''), ($1, $2, $4, 'dev identity')", [s.orgId, s.userId, tokenSha256('old-api-token'), tokenSha256('old-dev-token')]);
    await superQuery("INSERT INTO ai_service_credentials (org_id, name, secret_sha256) VALUES ($1, 'forever', $2)", [s.orgId, 'a'.repeat(64)]);

    await migrate(t.url);

    const tokens = await superQuery<{ kind: string; days: number; revoked_at: Date | null }>(
      "SELECT kind, round(extract(epoch FROM expires_at - now()) / 86400)::int AS days, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY kind",
      [s.userId],
    );
    expect(tokens).toEqual([
      { kind: 'api', days: 30, revoked_at: null },
      { kind: 'dev', days: 30, revoked_at: null },
    ]);
    const [cred] = await superQuery<{ days: number }>("SELECT round(extract(epoch FROM expires_at - now()) / 86400)::int AS days FROM ai_service_credentials WHERE name = 'forever'");
    expect(cred).toEqual({ days: 90 });
    // Still usable until then; a new token written by today's code expires too.
    expect((await resolveApiToken(t.db, 'old-api-token'))?.userId).toBe(s.userId);
    const fresh = await t.db.withOrg(s.orgId, (tx) => addApiToken(tx, { userId: s.userId, token: 'new-token' }));
    expect(Date.parse(fresh.expiresAt)).toBeGreaterThan(Date.now());
  });
});

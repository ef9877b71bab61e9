import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../db/database';
import { listMigrations, migrate } from '../db/migrate';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../runtime/embedded-postgres';
import { provisionEmbeddedLogins } from '../runtime/database-logins';
import { createTestDatabase } from '../testing/test-database';
import { createOpsEndpoints } from './ops-endpoints';
import { listenOpsEndpoints } from './ops-listener';
import { createReadiness, databaseCheck, modelFilesCheck } from './readiness';

async function readyz(url: string) {
  const r = await fetch(`${url}/readyz`);
  return { status: r.status, body: (await r.json()) as { ready: boolean; checks: Record<string, { ok: boolean; error?: string }> } };
}

describe('/readyz', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('answers 503 naming the database while PostgreSQL is stopped, and 200 again once it is back', async () => {
    // A cluster of its own: the run's shared PostgreSQL must stay up for every other test file.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fe-readyz-pg-'));
    let pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    cleanups.push(async () => {
      await pg.stop();
      rmSync(pg.clusterDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    });
    const logins = await provisionEmbeddedLogins(pg.adminUrl, pg.url);
    await migrate(logins.ownerUrl);
    const db = createDatabase(logins.appUrl, { onError: () => undefined });
    cleanups.push(() => db.close());
    const listener = await listenOpsEndpoints(createOpsEndpoints({ readiness: createReadiness({ database: databaseCheck(db), models: modelFilesCheck([]) }) }), 0, '127.0.0.1');
    cleanups.push(() => listener.close());

    const up = await readyz(listener.url);
    expect(up.status).toBe(200);
    expect(up.body.checks.database!.ok).toBe(true);

    await pg.stop();
    const down = await readyz(listener.url);
    expect(down.status).toBe(503);
    expect(down.body.ready).toBe(false);
    expect(down.body.checks.database!.ok).toBe(false);
    expect(down.body.checks.database!.error).toBeTruthy();
    expect(down.body.checks.models!.ok).toBe(true);
    // Alive is not ready: the process still answers /healthz.
    expect((await fetch(`${listener.url}/healthz`)).status).toBe(200);

    pg = await startEmbeddedPostgres({ dataDir, port: pg.port, ephemeral: true });
    let again = await readyz(listener.url);
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      again = await readyz(listener.url);
    }
    expect(again.status).toBe(200);
    expect(again.body.checks.database!.ok).toBe(true);
  }, 120_000);

  it('is not ready while the database lacks a migration this build has', async () => {
    const tdb = await createTestDatabase();
    cleanups.push(() => tdb.drop());
    const names = listMigrations().map((m) => m.name);
    expect((await createReadiness({ database: databaseCheck(tdb.db, names) }).check()).ready).toBe(true);
    const r = await createReadiness({ database: databaseCheck(tdb.db, [...names, '9999_from_a_newer_build']) }).check();
    expect(r.ready).toBe(false);
    expect(r.checks.database!.error).toContain('9999_from_a_newer_build');
  });

  it('names a missing model file', async () => {
    const r = await createReadiness({ models: modelFilesCheck(['/nonexistent/model.gguf']) }).check();
    expect(r).toMatchObject({ ready: false, checks: { models: { ok: false } } });
    expect(r.checks.models!.error).toContain('/nonexistent/model.gguf');
  });

  it('reads a check that never answers as not ready, within its timeout', async () => {
    const r = await createReadiness({ temporal: () => new Promise(() => undefined) }, { timeoutMs: 100 }).check();
    expect(r.checks.temporal).toMatchObject({ ok: false, error: 'no answer within 100 ms' });
  });
});

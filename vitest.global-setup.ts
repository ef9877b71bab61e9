import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from './backend/src/runtime/embedded-postgres';

/**
 * One real PostgreSQL for the whole run, in a fresh cluster under /tmp that is removed afterwards.
 * Test files get its admin URL through inject('pgAdminUrl') (see backend/src/testing/test-database.ts)
 * and each creates its own uniquely named databases, so parallel files never share state.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fe-test-pg-'));
  const lines: string[] = [];
  let pg;
  try {
    pg = await startEmbeddedPostgres({ dataDir, ephemeral: true, log: (m) => lines.push(m) });
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`vitest global setup: the test PostgreSQL did not start.\n${reason}\n${lines.slice(-20).join('\n')}`, { cause: e });
  }
  project.provide('pgAdminUrl', pg.adminUrl);
  process.env.FE_TEST_PG_ADMIN_URL = pg.adminUrl;
  return async () => {
    await pg.stop();
    rmSync(pg.clusterDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
}

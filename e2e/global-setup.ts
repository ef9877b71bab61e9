import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../backend/src/runtime/embedded-postgres';
import { buildWeb } from '../scripts/build-web';

/** Builds the web client once and starts the run's PostgreSQL (each test creates its own database in it). */
export default async function globalSetup() {
  await buildWeb({ minify: false });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fe-e2e-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir, ephemeral: true, log: () => undefined });
  process.env.FE_TEST_PG_ADMIN_URL = pg.adminUrl;
  return async () => {
    await pg.stop();
    rmSync(pg.clusterDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
}

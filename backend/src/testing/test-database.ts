import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../db/database';
import { migrate } from '../db/migrate';
import { createDataKeys, type DataKeys } from '../crypto/data-keys';
import { createLocalKeyFileProvider, ensureKeyFile } from '../crypto/local-key-file';
import { blobKeysOf, createLocalBlobStore, type LocalBlobStore } from '../blobs/local-blob-store';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's PostgreSQL (`postgres` database), from vitest.global-setup.ts. */
    pgAdminUrl: string;
  }
}

export interface TestDatabase {
  /** Superuser URL of the new database (the app still runs every query as fe_app). */
  url: string;
  db: Database;
  /** The per-org data keys of `db` (a fresh local key file per test database); pass them to another handle on `url`. */
  keys: DataKeys;
  /** The key-encryption key file behind `keys`. */
  kekFile: string;
  /** An encrypted blob store under `rootDir` using this database's org data keys. */
  blobStore(rootDir: string, opts?: { legacyMasterKey?: Buffer }): LocalBlobStore;
  drop(): Promise<void>;
}

/** Outside vitest (the Playwright e2e suite) `inject` throws: the URL then comes from the environment. */
function injectedAdminUrl(): string | undefined {
  try {
    return inject('pgAdminUrl');
  } catch {
    return undefined;
  }
}

export function testPgAdminUrl(): string {
  const url = injectedAdminUrl() ?? process.env.FE_TEST_PG_ADMIN_URL;
  if (!url) throw new Error('No test PostgreSQL: run tests through vitest with vitest.global-setup.ts');
  return url;
}

/**
 * A fresh, uniquely named database on the run's PostgreSQL, migrated (fully, up to `upTo`, or not at
 * all with `migrate: false`). Call drop() in afterAll.
 */
export async function createTestDatabase(opts: { migrate?: boolean; upTo?: string } = {}): Promise<TestDatabase> {
  const adminUrl = testPgAdminUrl();
  const name = `fe_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (opts.migrate !== false) await migrate(url.toString(), undefined, { upTo: opts.upTo });
  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'fe-kek-'));
  const kekFile = path.join(keyDir, 'kek.json');
  await ensureKeyFile(kekFile);
  const keys = createDataKeys({ provider: createLocalKeyFileProvider({ file: kekFile }) });
  const db = createDatabase(url.toString(), { max: 4, keys });
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    db,
    keys,
    kekFile,
    blobStore: (rootDir, o = {}) => createLocalBlobStore({ rootDir, keys: blobKeysOf(db, keys), legacyMasterKey: o.legacyMasterKey }),
    drop: () =>
      (dropped ??= (async () => {
        rmSync(keyDir, { recursive: true, force: true });
        await db.close();
        await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      })()),
  };
}

async function adminQuery(adminUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

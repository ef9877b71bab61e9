import { createHash, randomBytes } from 'node:crypto';
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
import { ensureClusterRoles, OWNER_ROLE, roleUrls } from '../db/database-roles';
import { createAuditHeadFiles, type AuditHeadStore } from '../audit/audit-head-file';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's PostgreSQL (`postgres` database), from vitest.global-setup.ts. */
    pgAdminUrl: string;
  }
}

export interface TestDatabase {
  /** Superuser URL of the new database: for tests that tamper or inspect as an attacker with full rights. */
  url: string;
  /** The owner login (fe_owner), which ran the migrations. */
  ownerUrl: string;
  /** The app login (fe_web, no superuser, no BYPASSRLS) that `db` connects as, like the API, worker and gateway. */
  appUrl: string;
  db: Database;
  /** The per-org data keys of `db` (a fresh local key file per test database); pass them to another handle on `url`. */
  keys: DataKeys;
  /** The key-encryption key file behind `keys`. */
  kekFile: string;
  /** The audit head checkpoints `db` writes (a temporary folder), and that folder. */
  auditHeads: AuditHeadStore;
  auditHeadDir: string;
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
 * The test cluster's role passwords, derived from its superuser password so every test file (and
 * process) computes the same ones and provisioning them again changes nothing.
 */
function testRolePasswords(adminUrl: string): { owner: string; app: string } {
  const secret = decodeURIComponent(new URL(adminUrl).password);
  const derive = (role: string) => createHash('sha256').update(`${secret}:${role}`).digest('base64url');
  return { owner: derive('fe_owner'), app: derive('fe_web') };
}

let rolesReady: Promise<void> | undefined;

/**
 * A fresh, uniquely named database on the run's PostgreSQL, owned by fe_owner, migrated as fe_owner
 * (fully, up to `upTo`, or not at all with `migrate: false`); `db` connects as the app login fe_web.
 * Call drop() in afterAll.
 */
export async function createTestDatabase(opts: { migrate?: boolean; upTo?: string } = {}): Promise<TestDatabase> {
  const adminUrl = testPgAdminUrl();
  const passwords = testRolePasswords(adminUrl);
  rolesReady ??= ensureClusterRoles(adminUrl, passwords);
  await rolesReady;
  const name = `fe_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} OWNER ${OWNER_ROLE}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const { ownerUrl, appUrl } = roleUrls(url.toString(), passwords);
  if (opts.migrate !== false) await migrate(ownerUrl, undefined, { upTo: opts.upTo });
  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'fe-kek-'));
  const kekFile = path.join(keyDir, 'kek.json');
  await ensureKeyFile(kekFile);
  const keys = createDataKeys({ provider: createLocalKeyFileProvider({ file: kekFile }) });
  const auditHeadDir = path.join(keyDir, 'audit-heads');
  const auditHeads = createAuditHeadFiles(auditHeadDir);
  const db = createDatabase(appUrl, { max: 4, keys, auditHeads });
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    ownerUrl,
    appUrl,
    db,
    keys,
    kekFile,
    auditHeads,
    auditHeadDir,
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

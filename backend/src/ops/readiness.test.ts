import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { ErrorCode } from '../../../app/contracts/errors';
import { createDatabase } from '../db/database';
import { listMigrations, migrate } from '../db/migrate';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../runtime/embedded-postgres';
import { provisionEmbeddedLogins } from '../runtime/database-logins';
import { findTemporalCli, startTemporalDevServer } from '../runtime/temporal-dev-server';
import { freePort } from '../runtime/free-port';
import { defaultDataDir } from '../paths';
import { createTestDatabase } from '../testing/test-database';
import { startGatewayHarness } from '../gateway/service/gateway-test-harness';
import { readyz } from '../testing/readyz-probe';
import { createOpsEndpoints } from './ops-endpoints';
import { listenOpsEndpoints } from './ops-listener';
import { blobsCheck, createReadiness, databaseCheck, gatewayCheck, modelFilesCheck, temporalCheck, type CheckResult, type Readiness } from './readiness';


/** A failed check answers a declared code and a message naming the part. */
function expectFailed(r: CheckResult | undefined, code: ErrorCode, message: RegExp) {
  expect(r).toMatchObject({ ok: false, error: { code } });
  expect(ErrorCode.safeParse(code).success).toBe(true);
  if (r && !r.ok) expect(r.error.message).toMatch(message);
}

/** Polls until the one check passes again (a reconnecting client takes a moment). */
async function untilOk(readiness: Readiness, name: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let r = await readiness.check();
  while (!r.checks[name]!.ok && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 250));
    r = await readiness.check();
  }
  return r;
}

describe('/readyz', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('answers 503 ready.database_unreachable while PostgreSQL is stopped, and 200 again once it is back', async () => {
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
    expectFailed(down.body.checks.database, 'ready.database_unreachable', /^The database does not answer: \S/);
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

  it('answers ready.database_not_migrated while the database lacks a migration this build has', async () => {
    const tdb = await createTestDatabase();
    cleanups.push(() => tdb.drop());
    const names = listMigrations().map((m) => m.name);
    expect((await createReadiness({ database: databaseCheck(tdb.db, names) }).check()).ready).toBe(true);
    const r = await createReadiness({ database: databaseCheck(tdb.db, [...names, '9999_from_a_newer_build']) }).check();
    expect(r.ready).toBe(false);
    expectFailed(r.checks.database, 'ready.database_not_migrated', /not migrated: 1 pending \(9999_from_a_newer_build\)/);
  });

  it('answers ready.temporal_unreachable while the Temporal server is stopped, and recovers when it is back on its port', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-readyz-temporal-'));
    const cli = findTemporalCli({ dataDir: defaultDataDir });
    const port = await freePort();
    const start = () => startTemporalDevServer({ cli, dbFile: path.join(dir, 't.db'), namespace: 'fe-readyz', port });
    let server = await start();
    cleanups.push(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const conn = await Connection.connect({ address: server.address });
    cleanups.push(() => conn.close());
    const readiness = createReadiness({ temporal: temporalCheck(conn) });
    expect((await readiness.check()).checks.temporal!.ok).toBe(true);

    await server.stop();
    const down = await readiness.check();
    expect(down.ready).toBe(false);
    // Its own deadline, not the check's 2 s timeout: the message says what the client saw.
    expectFailed(down.checks.temporal, 'ready.temporal_unreachable', /^Temporal does not answer within 1500 ms: \d+ [A-Z_]+/);

    server = await start();
    const again = await untilOk(readiness, 'temporal');
    expect(again.checks.temporal).toMatchObject({ ok: true });
  }, 180_000);

  it('answers ready.gateway_unreachable while the AI gateway is closed, and recovers when it listens again', async () => {
    const gw = await startGatewayHarness({ ops: createOpsEndpoints({ readiness: createReadiness({}) }) });
    cleanups.push(() => gw.close());
    const readiness = createReadiness({ gateway: gatewayCheck(gw.baseURL) });
    expect((await readiness.check()).checks.gateway!.ok).toBe(true);

    await gw.gateway.close();
    const down = await readiness.check();
    expectFailed(down.checks.gateway, 'ready.gateway_unreachable', /^The AI gateway does not answer at http:\/\/127\.0\.0\.1:\d+\/healthz: .*ECONNREFUSED/);

    await gw.gateway.listen(Number(new URL(gw.baseURL).port));
    expect((await untilOk(readiness, 'gateway', 10_000)).checks.gateway!.ok).toBe(true);

    // Something else at the address (here the gateway's upstream, which has no /healthz) is not a gateway.
    const wrong = await createReadiness({ gateway: gatewayCheck(gw.upstream.baseURL) }).check();
    expectFailed(wrong.checks.gateway, 'ready.gateway_unhealthy', /^The AI gateway answered 500 at /);
  }, 60_000);

  it('answers ready.models_missing while a model file is absent, and recovers once it is there', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-readyz-models-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'model.gguf');
    const readiness = createReadiness({ models: modelFilesCheck([file]) });
    expectFailed((await readiness.check()).checks.models, 'ready.models_missing', new RegExp(`^Model file missing: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(npm run setup\\)`));
    writeFileSync(file, 'GGUF');
    expect((await readiness.check()).checks.models).toMatchObject({ ok: true });
  });

  it('answers ready.blobs_unwritable while the blob folder cannot take a file, and recovers once it can', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-readyz-blobs-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const root = path.join(dir, 'blobs');
    const readiness = createReadiness({ blobs: blobsCheck(root) });
    expect((await readiness.check()).checks.blobs).toMatchObject({ ok: true });
    expect(readdirSync(root)).toEqual([]); // the probe is removed
    // Tests run as root here, so a mode cannot refuse the write: a file where the folder should be does.
    rmSync(root, { recursive: true });
    writeFileSync(root, 'not a folder');
    expectFailed((await readiness.check()).checks.blobs, 'ready.blobs_unwritable', /^The blob folder .*\/blobs cannot be written: E[A-Z]+/);
    rmSync(root);
    expect((await readiness.check()).checks.blobs).toMatchObject({ ok: true });
  });

  it('reads a check that never answers as not ready with its own code, within its timeout', async () => {
    const r = await createReadiness({ temporal: { code: 'ready.temporal_unreachable', run: () => new Promise(() => undefined) } }, { timeoutMs: 100 }).check();
    expect(r.checks.temporal).toMatchObject({ ok: false, error: { code: 'ready.temporal_unreachable', message: 'temporal: no answer within 100 ms' } });
  });

  it('gives a thrown error that is not an AppError the check\'s code', async () => {
    const r = await createReadiness({ database: { code: 'ready.database_unreachable', run: () => Promise.reject(new Error('socket hang up')) } }).check();
    expect(r.checks.database).toMatchObject({ ok: false, error: { code: 'ready.database_unreachable', message: 'database: socket hang up' } });
  });
});

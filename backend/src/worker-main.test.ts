import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir } from './paths';
import { migrate } from './db/migrate';
import { ensureKeyFile } from './crypto/local-key-file';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './runtime/embedded-postgres';
import { provisionEmbeddedLogins } from './runtime/database-logins';
import { findTemporalCli, startTemporalDevServer, type TemporalDevServer } from './runtime/temporal-dev-server';
import { freePort } from './runtime/free-port';
import { startGatewayHarness } from './gateway/service/gateway-test-harness';
import { createOpsEndpoints } from './ops/ops-endpoints';
import { createReadiness } from './ops/readiness';
import { allReady, onlyFailed, readyzUntil, spawnEntry } from './testing/readyz-probe';

describe('a worker process on its own (worker-main)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('answers /readyz on FE_WORKER_HEALTH_PORT with the code of each part it loses (PostgreSQL, Temporal, the gateway), and 200 again when the part is back; the SDK\'s warnings meanwhile are JSON lines at 40', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-worker-readyz-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));

    let pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), ephemeral: true });
    cleanups.push(() => pg.stop());
    const logins = await provisionEmbeddedLogins(pg.adminUrl, pg.url);
    await migrate(logins.ownerUrl);

    const cli = findTemporalCli({ dataDir: defaultDataDir });
    const temporalPort = await freePort();
    const startTemporal = () => startTemporalDevServer({ cli, dbFile: path.join(dir, 'temporal.db'), namespace: 'default', port: temporalPort });
    let temporal: TemporalDevServer = await startTemporal();
    cleanups.push(() => temporal.stop());

    const gw = await startGatewayHarness({ ops: createOpsEndpoints({ readiness: createReadiness({}) }) });
    cleanups.push(() => gw.close());

    // A worker never creates the key-encryption key (the embedded runtime or `feedback keys init` does).
    await ensureKeyFile(path.join(dir, 'kek.json'));
    const healthPort = await freePort();
    const url = `http://127.0.0.1:${healthPort}`;
    const worker = await spawnEntry(
      'worker-main.ts',
      {
        ...process.env,
        FE_DATA_DIR: path.join(dir, 'data'),
        FE_KEK_FILE: path.join(dir, 'kek.json'),
        DATABASE_URL: logins.appUrl,
        FE_DATABASE_URL_MIGRATE: logins.ownerUrl,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        FE_GATEWAY_URL: gw.baseURL,
        FE_POLICY_BUNDLE_DIR: path.join(defaultDataDir, 'policy'),
        FE_WORKER_HEALTH_PORT: String(healthPort),
        LOG_LEVEL: 'warn',
      },
      url,
    );
    cleanups.push(() => worker.stop());

    const up = await readyzUntil(url, allReady);
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(Object.keys(up.body.checks).sort()).toEqual(['blobs', 'database', 'gateway', 'temporal']);

    await pg.stop();
    const noDb = await readyzUntil(url, onlyFailed('ready.database_unreachable'), 10_000);
    expect(noDb.body.checks.database, JSON.stringify(noDb.body)).toMatchObject({ ok: false, error: { code: 'ready.database_unreachable', message: expect.stringMatching(/^The database does not answer: \S/) } });
    pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pg.port, ephemeral: true });
    expect((await readyzUntil(url, allReady)).status).toBe(200);

    await temporal.stop();
    const noTemporal = await readyzUntil(url, onlyFailed('ready.temporal_unreachable'), 10_000);
    expect(noTemporal.body.checks.temporal, JSON.stringify(noTemporal.body)).toMatchObject({ ok: false, error: { code: 'ready.temporal_unreachable' } });
    // The SDK's native core warns while its polls are refused: those warnings are pino lines of the process at 40.
    const coreWarned = () => worker.output().includes('"sdkComponent":"core"');
    for (let i = 0; i < 150 && !coreWarned(); i++) await new Promise((r) => setTimeout(r, 200));
    temporal = await startTemporal();
    expect((await readyzUntil(url, allReady)).status).toBe(200);

    await gw.gateway.close();
    const noGateway = await readyzUntil(url, onlyFailed('ready.gateway_unreachable'), 10_000);
    expect(noGateway.body.checks.gateway, JSON.stringify(noGateway.body)).toMatchObject({ ok: false, error: { code: 'ready.gateway_unreachable' } });
    await gw.gateway.listen(Number(new URL(gw.baseURL).port));
    expect((await readyzUntil(url, allReady)).status).toBe(200);

    // Not ready is not dead: the process kept running through all of it.
    expect(worker.child.exitCode).toBeNull();
    const lines = worker.output().split('\n').filter(Boolean);
    for (const l of lines) expect(l.match(/"level":/g), l).toHaveLength(1);
    const parsed = lines.map((l) => JSON.parse(l) as { level: number; sdkComponent?: string; msg: string });
    expect(parsed.find((l) => l.sdkComponent === 'core')).toMatchObject({ level: 40, msg: expect.any(String) });
  }, 300_000);
});

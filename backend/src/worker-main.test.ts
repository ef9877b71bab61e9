import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir, repoRoot } from './paths';
import { migrate } from './db/migrate';
import { ensureKeyFile } from './crypto/local-key-file';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './runtime/embedded-postgres';
import { provisionEmbeddedLogins } from './runtime/database-logins';
import { findTemporalCli, startTemporalDevServer, type TemporalDevServer } from './runtime/temporal-dev-server';
import { freePort } from './runtime/free-port';
import { startGatewayHarness } from './gateway/service/gateway-test-harness';
import { createOpsEndpoints } from './ops/ops-endpoints';
import { createReadiness, type CheckResult } from './ops/readiness';

type Body = { ready: boolean; checks: Record<string, CheckResult> };

async function readyz(url: string): Promise<{ status: number; body: Body }> {
  const r = await fetch(`${url}/readyz`);
  return { status: r.status, body: (await r.json()) as Body };
}

/** Polls the worker's /readyz until `want` holds (a reconnecting pool or gRPC channel takes a moment). */
async function until(url: string, want: (r: { status: number; body: Body }) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let r = await readyz(url);
  while (!want(r) && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 300));
    r = await readyz(url);
  }
  return r;
}

const failedWith = (code: string) => (r: { status: number; body: Body }) => {
  const failed = Object.values(r.body.checks).filter((c) => !c.ok);
  return r.status === 503 && failed.length === 1 && !failed[0]!.ok && failed[0]!.error.code === code;
};
const allOk = (r: { status: number; body: Body }) => r.status === 200 && r.body.ready;

describe('a worker process on its own (worker-main)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it("answers /readyz on FE_WORKER_HEALTH_PORT with the code of each part it loses (PostgreSQL, Temporal, the gateway), and 200 again when the part is back", async () => {
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
    cleanups.push(async () => {
      await gw.gateway.close();
      await gw.upstream.close();
      await gw.db.close();
      await gw.t.drop();
    });

    // A worker never creates the key-encryption key (the embedded runtime or `feedback keys init` does).
    await ensureKeyFile(path.join(dir, 'kek.json'));
    const healthPort = await freePort();
    const env = {
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
    };
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'backend/src/worker-main.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    });
    const url = `http://127.0.0.1:${healthPort}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`worker exited: ${out}`);
      if (Date.now() > deadline) throw new Error(`worker health listener never answered: ${out}`);
      const r = await fetch(`${url}/healthz`).catch(() => null);
      if (r?.status === 200) break;
      await new Promise((res) => setTimeout(res, 300));
    }

    const up = await until(url, allOk);
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(Object.keys(up.body.checks).sort()).toEqual(['blobs', 'database', 'gateway', 'temporal']);

    await pg.stop();
    const noDb = await until(url, failedWith('ready.database_unreachable'), 10_000);
    expect(noDb.body.checks.database, JSON.stringify(noDb.body)).toMatchObject({ ok: false, error: { code: 'ready.database_unreachable', message: expect.stringMatching(/^The database does not answer: \S/) } });
    pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pg.port, ephemeral: true });
    expect((await until(url, allOk)).status).toBe(200);

    await temporal.stop();
    const noTemporal = await until(url, failedWith('ready.temporal_unreachable'), 10_000);
    expect(noTemporal.body.checks.temporal, JSON.stringify(noTemporal.body)).toMatchObject({ ok: false, error: { code: 'ready.temporal_unreachable' } });
    temporal = await startTemporal();
    expect((await until(url, allOk)).status).toBe(200);

    await gw.gateway.close();
    const noGateway = await until(url, failedWith('ready.gateway_unreachable'), 10_000);
    expect(noGateway.body.checks.gateway, JSON.stringify(noGateway.body)).toMatchObject({ ok: false, error: { code: 'ready.gateway_unreachable' } });
    await gw.gateway.listen(Number(new URL(gw.baseURL).port));
    expect((await until(url, allOk)).status).toBe(200);

    // Not ready is not dead: the process kept running through all of it.
    expect(child.exitCode).toBeNull();
  }, 300_000);
});

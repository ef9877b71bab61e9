// `npm run start:cluster [-- --api N --workers M --port P]`: the production shape on one machine (issue 12, item 3).
// One PostgreSQL (embedded unless DATABASE_URL), one Temporal (FE_TEMPORAL_MODE: dev server or the server on
// PostgreSQL), one gateway, M workers (default 1) and N API processes (default 2), each its own process on a loopback
// port, with nginx in front of the APIs as the L7 load balancer (WebSocket upgrade included). Wiring only.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../backend/src/paths';
import { loadConfigOrExit } from '../backend/src/runtime/config-or-exit';
import { createLogger } from '../backend/src/runtime/log';
import { onShutdownSignal } from '../backend/src/runtime/shutdown';
import { childLifetime, type ChildLifetime } from '../backend/src/runtime/child-lifetime';
import { freePort } from '../backend/src/runtime/free-port';
import { startEmbeddedPostgres } from '../backend/src/runtime/embedded-postgres';
import { provisionEmbeddedLogins } from '../backend/src/runtime/database-logins';
import { findTemporalCli, startTemporalDevServer } from '../backend/src/runtime/temporal-dev-server';
import { startTemporalServer } from '../backend/src/runtime/temporal-server';
import { ensureTemporalServer } from '../backend/src/runtime/temporal-server-build';
import { migrate } from '../backend/src/db/migrate';
import { createDatabase } from '../backend/src/db/database';
import { createDataKeys } from '../backend/src/crypto/data-keys';
import { openKeyProvider } from '../backend/src/crypto/key-setup';
import { addApiToken, ensureDevIdentity } from '../backend/src/db/repositories/identity';
import { nginxConfig } from './cluster/nginx-config';

const { values: args } = parseArgs({ options: { api: { type: 'string', default: '2' }, workers: { type: 'string', default: '1' }, port: { type: 'string', default: '8080' }, nginx: { type: 'string', default: existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx' } } });
const apiCount = Number(args.api);
if (!Number.isInteger(apiCount) || apiCount < 1) throw new Error(`--api must be a whole number ≥ 1 (got ${args.api})`);
const workerCount = Number(args.workers);
if (!Number.isInteger(workerCount) || workerCount < 1) throw new Error(`--workers must be a whole number ≥ 1 (got ${args.workers})`);
const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const log = logger.child('cluster');
const stops: { name: string; fn: () => Promise<unknown> }[] = [];
let stopping = false;
const stopAll = async () => {
  stopping = true;
  for (const s of stops.reverse()) {
    await s.fn().catch((e: Error) => log.error(`stopping ${s.name} failed: ${e.message}`));
    log(`stopped ${s.name}`);
  }
  stops.length = 0;
};
onShutdownSignal(async (signal) => {
  log(`${signal}: stopping the cluster…`);
  await stopAll();
});

/** Starts a child, prefixes its output with its name, resolves once `ready` matches a line (or rejects when it exits first). */
function startChild(name: string, cmd: string, argv: string[], env: Record<string, string>, ready: RegExp | null): Promise<ChildProcess> {
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const life: ChildLifetime = childLifetime(child, 10_000);
  stops.push({ name, fn: () => life.stop() });
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = ready === null;
    if (done) resolve(child);
    const onData = (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
      if (done) return;
      buf += d.toString();
      if (ready!.test(buf)) {
        done = true;
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, sig) => {
      if (!done) reject(new Error(`${name} exited before it was ready (${code ?? sig})`));
      else if (!stopping) log.error(`${name} (pid ${child.pid}) exited (${code ?? sig})`);
    });
  });
}

const tsx = (entry: string) => ['--import', 'tsx', path.join(repoRoot, entry)];

try {
  let databaseUrl = config.databaseUrl;
  let migrateUrl = config.databaseMigrateUrl ?? config.databaseUrl;
  let temporalDatabaseUrl = config.temporalDatabaseUrl;
  const embedded = !databaseUrl;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: config.embeddedPgPort, log: logger.child('postgres') });
    stops.push({ name: 'PostgreSQL', fn: () => pg.stop() });
    temporalDatabaseUrl ??= pg.adminUrl;
    const logins = await provisionEmbeddedLogins(pg.adminUrl, pg.url);
    databaseUrl = logins.appUrl;
    migrateUrl = logins.ownerUrl;
  }
  await migrate(migrateUrl!, logger.child('migrate'));
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'fe-cluster-'));
  let tokenFile: string | null = null;
  if (embedded) {
    // The API processes see an external DATABASE_URL and so refuse the dev token (docs/decisions/037):
    // the launcher seeds the dev identity and issues it an ordinary API token, in a file only we can read.
    const db = createDatabase(databaseUrl, { keys: createDataKeys({ provider: await openKeyProvider(config, (m) => log(m)) }) });
    const identity = await ensureDevIdentity(db, { orgName: config.devOrg, userEmail: config.devUserEmail, displayName: 'Dev Clinician', role: config.devRole, token: config.devToken });
    const token = randomBytes(32).toString('base64url');
    await db.withOrg(identity.orgId, (tx) => addApiToken(tx, { userId: identity.userId, token, label: 'start:cluster', expiresAt: new Date(Date.now() + 12 * 3600_000) }));
    await db.close();
    tokenFile = path.join(runDir, 'api-token');
    writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  }

  let temporalAddress = config.temporalAddress;
  if (!temporalAddress && config.temporalMode === 'server') {
    if (!temporalDatabaseUrl) throw new Error('FE_TEMPORAL_MODE=server with DATABASE_URL needs FE_TEMPORAL_DATABASE_URL');
    const binaries = await ensureTemporalServer({ dataDir: config.dataDir, pathEnv: config.derived.pathEnv, onProgress: (m) => log(m) });
    const t = await startTemporalServer({ binaries, adminUrl: temporalDatabaseUrl, namespace: config.temporalNamespace, stateDir: path.join(config.dataDir, 'temporal-server'), log: logger.child('temporal') });
    stops.push({ name: 'Temporal server', fn: () => t.stop() });
    temporalAddress = t.address;
  }
  if (!temporalAddress) {
    const t = await startTemporalDevServer({ cli: findTemporalCli({ explicit: config.temporalCli, dataDir: config.dataDir }), dbFile: config.derived.temporalDbFile, namespace: config.temporalNamespace, log: logger.child('temporal') });
    stops.push({ name: 'Temporal dev server', fn: () => t.stop() });
    temporalAddress = t.address;
  }
  const shared: Record<string, string> = { DATABASE_URL: databaseUrl, FE_DATABASE_URL_MIGRATE: migrateUrl!, TEMPORAL_ADDRESS: temporalAddress };

  const gatewayPort = await freePort();
  await startChild('gateway', process.execPath, tsx('backend/src/gateway-main.ts'), { ...shared, FE_GATEWAY_PORT: String(gatewayPort) }, /gateway ready/);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/v1`;
  const workerPorts: number[] = [];
  for (let i = 0; i < workerCount; i++) workerPorts.push(await freePort());
  const workers = await Promise.all(workerPorts.map((p, i) => startChild(`worker-${i + 1}`, process.execPath, tsx('backend/src/worker-main.ts'), { ...shared, FE_GATEWAY_URL: gatewayUrl, FE_WORKER_HEALTH_PORT: String(p) }, /worker ready/)));

  const apiPorts: number[] = [];
  for (let i = 0; i < apiCount; i++) apiPorts.push(await freePort());
  const apis = await Promise.all(
    apiPorts.map((p, i) => startChild(`api-${i + 1}`, process.execPath, tsx('backend/src/start.ts'), { ...shared, FE_GATEWAY_URL: gatewayUrl, FE_API_PORT: String(p), FE_API_HOST: '127.0.0.1', FE_START_WORKER: 'false', FE_TRUSTED_PROXIES: 'loopback' }, /API listening/)),
  );

  const listenPort = Number(args.port) || (await freePort());
  writeFileSync(path.join(runDir, 'nginx.conf'), nginxConfig({ runDir, listenPort, apiPorts, maxBodyBytes: config.maxUploadBytes }));
  const nginxArgs = ['-e', path.join(runDir, 'error.log'), '-p', runDir, '-c', path.join(runDir, 'nginx.conf')];
  try {
    execFileSync(args.nginx, [...nginxArgs, '-t'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`nginx refused its configuration (${runDir}/nginx.conf): ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message)}`);
  }
  void startChild('nginx', args.nginx, nginxArgs, {}, null).catch(() => {});
  await waitForHttp(`http://127.0.0.1:${listenPort}/healthz`);
  log(`cluster ready: http://127.0.0.1:${listenPort}/ (nginx → API processes ${apis.map((c, i) => `pid ${c.pid} on ${apiPorts[i]}`).join(', ')}; workers pid ${workers.map((w) => w.pid).join(', ')}; gateway ${gatewayUrl}; Temporal ${temporalAddress}; nginx config ${runDir}/nginx.conf)`);
  if (tokenFile) log(`bearer token of the dev identity (${config.devUserEmail}, 12 h): ${tokenFile}`);
} catch (e) {
  log.error(`could not start the cluster: ${(e as Error).message}`);
  await stopAll();
  process.exit(1);
}

async function waitForHttp(url: string): Promise<void> {
  const end = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > end) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import pg from 'pg';
import { AppError } from '../../../app/contracts/errors';
import net from 'node:net';
import { freePort } from './free-port';
import { childLifetime } from './child-lifetime';
import type { TemporalServerBinaries } from './temporal-server-build';

export interface TemporalServer {
  address: string;
  /** Prometheus endpoint of the server's own metrics. */
  metricsUrl: string;
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  binaries: TemporalServerBinaries;
  /** A PostgreSQL login that may create databases (the embedded cluster's superuser, or FE_TEMPORAL_DATABASE_URL). */
  adminUrl: string;
  namespace: string;
  /** Folder for the generated config file. */
  stateDir: string;
  retentionDays?: number;
  log?: (m: string) => void;
}

/** The seed's two Temporal databases next to the main one. */
export const temporalDatabases = { main: 'temporal', visibility: 'temporal_visibility' } as const;

/**
 * Create and migrate the `temporal` and `temporal_visibility` databases with the schema tool (idempotent:
 * update-schema applies only the missing versions), then run the Temporal server (all four services in
 * one process) on them and register the namespace.
 */
export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServer> {
  const log = opts.log ?? (() => {});
  const u = new URL(opts.adminUrl);
  const conn = { host: u.hostname, port: u.port || '5432', user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  for (const [db, dir] of [[temporalDatabases.main, 'temporal'], [temporalDatabases.visibility, 'visibility']] as const) {
    await migrateTemporalDatabase(opts, conn, db, dir);
    log(`database ${db} migrated`);
  }
  const ports = { frontend: await freePort(), frontendMembership: await membershipPort(), frontendHttp: await freePort(), history: await freePort(), historyMembership: await membershipPort(), matching: await freePort(), matchingMembership: await membershipPort(), worker: await freePort(), workerMembership: await membershipPort(), metrics: await freePort() };
  mkdirSync(opts.stateDir, { recursive: true });
  const configFile = path.join(opts.stateDir, 'temporal-server.yaml');
  writeFileSync(configFile, serverConfig(conn, ports), { mode: 0o600 });
  const child: ChildProcess = spawn(opts.binaries.server, ['--config-file', configFile, '--allow-no-auth', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-6000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const life = childLifetime(child, 10_000);
  const address = `127.0.0.1:${ports.frontend}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (life.exited) throw new AppError('internal', `Temporal server exited during start: ${output.trim().slice(-2000) || 'no output'}`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await ensureNamespace(c, opts.namespace, opts.retentionDays ?? 30);
      } finally {
        await c.close();
      }
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new AppError('internal', `Temporal server did not become ready at ${address} within 120 s: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  log(`Temporal server ready at ${address} (PostgreSQL ${conn.host}:${conn.port}, databases ${temporalDatabases.main}, ${temporalDatabases.visibility})`);
  return {
    address,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    stop: () => life.stop(),
  };
}

/** Temporal stores membership ports in a smallint column: they must be below 32768, under the OS's ephemeral range. */
async function membershipPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new AppError('internal', 'no free port below 32768 for the Temporal membership');
}

type PgConn = { host: string; port: string; user: string; password: string };

async function migrateTemporalDatabase(opts: TemporalServerOptions, conn: PgConn, db: string, schemaSubdir: string) {
  const admin = new pg.Client({ connectionString: opts.adminUrl });
  await admin.connect();
  let fresh: boolean;
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount === 1;
    if (!exists) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(db)}`);
    const target = new pg.Client({ connectionString: withDatabase(opts.adminUrl, db) });
    await target.connect();
    try {
      fresh = (await target.query("SELECT 1 FROM pg_tables WHERE tablename = 'schema_version'")).rowCount === 0;
    } finally {
      await target.end();
    }
  } finally {
    await admin.end();
  }
  const base = ['--plugin', 'postgres12', '--ep', conn.host, '-p', conn.port, '-u', conn.user, '--db', db];
  const env = { SQL_PASSWORD: conn.password };
  if (fresh) await runTool(opts.binaries.sqlTool, [...base, 'setup-schema', '-v', '0.0'], env);
  await runTool(opts.binaries.sqlTool, [...base, 'update-schema', '-d', path.join(opts.binaries.schemaDir, schemaSubdir, 'versioned')], env);
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

const READINESS_PROBE_ID = 'fe-readiness-probe-never-started';
const GRPC_NOT_FOUND = 5;

async function ensureNamespace(c: Connection, namespace: string, retentionDays: number) {
  try {
    await c.workflowService.describeNamespace({ namespace });
  } catch {
    await c.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) });
  }
  // A new namespace reaches the frontend's namespace cache on its next refresh (~10 s); ready means usable.
  // Usable means the history service too: just after a restart the frontend answered visibility
  // queries while a describe of a stored workflow failed with 14 UNAVAILABLE "Not enough hosts to
  // serve the request" (CI). A describe of a workflow that does not exist answers NOT_FOUND (5) only
  // once history hosts own their shards.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await c.workflowService.countWorkflowExecutions({ namespace, query: '' });
      await c.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: READINESS_PROBE_ID } }).catch((e: { code?: number }) => {
        if (e.code !== GRPC_NOT_FOUND) throw e;
      });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function runTool(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.on('error', (e) => reject(new AppError('runtime.binary_missing', `could not run ${cmd}: ${e.message}`, { cause: e })));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new AppError('internal', `temporal-sql-tool ${args.slice(-3).join(' ')} failed (exit ${code}): ${out.trim()}`))));
  });
}

function serverConfig(c: PgConn, p: Record<string, number>): string {
  const store = (db: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "${c.host}:${c.port}"
        connectProtocol: "tcp"
        user: ${JSON.stringify(c.user)}
        password: ${JSON.stringify(c.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const svc = (name: string, grpc: number, membership: number, extra = '') => `  ${name}:
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${store(temporalDatabases.main, 20)}
    postgres-visibility:
${store(temporalDatabases.visibility, 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${p.metrics}"
services:
${svc('frontend', p.frontend!, p.frontendMembership!, `\n      httpPort: ${p.frontendHttp}`)}
${svc('history', p.history!, p.historyMembership!)}
${svc('matching', p.matching!, p.matchingMembership!)}
${svc('worker', p.worker!, p.workerMembership!)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p.frontend}"
dcRedirectionPolicy:
  policy: "noop"
`;
}

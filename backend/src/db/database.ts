import pg from 'pg';
import { AppError } from '../../../app/contracts/errors';
import type { DataKeys } from '../crypto/data-keys';
import type { AuditHeadStore } from '../audit/audit-head-file';

/** One transaction, running as the role fe_app with app.org_id set (or unset for withoutOrg). */
export interface Tx {
  /** The org every row read or written in this transaction belongs to; null in withoutOrg. */
  readonly orgId: string | null;
  /** The per-org data keys that seal and open encrypted columns (docs/decisions/015); null when this handle was made without. */
  readonly keys: DataKeys | null;
  /** Where the audit chain's signed head is checkpointed outside the database; null when this handle has none. */
  readonly auditHeads: AuditHeadStore | null;
  /**
   * Run fn once this transaction has committed (not after a rollback), before withOrg resolves.
   * A failure is reported to onError and does not fail the committed call.
   */
  afterCommit(fn: (db: Database) => Promise<void>): void;
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
  /**
   * One statement as its own transaction scoped to orgId, like withOrg(orgId, tx =>
   * tx.query(text, values)), but sent in ONE round trip: the values are inlined as escaped
   * literals (see inlineStatementValues) and the whole transaction goes as one simple query. For
   * hot paths whose work is a single statement (the gateway's begin and finish); `text` must be
   * one statement with $1…$n placeholders and no other `$` followed by a digit.
   *
   * Durability: the transaction commits without waiting for the WAL flush, so its row and advisory
   * locks are released at once (the next transaction on the same budget or audit chain need not
   * wait for this one's fsync), and then, in the same round trip, a flushed WAL record written after
   * the commit record waits until the commit is on disk. It resolves only once the transaction is
   * as durable as a synchronous commit on this server. Others may read its rows slightly before
   * that; whoever acts on them outside the database must also come through here (the gateway
   * does). With a synchronous standby configured this only guarantees the local flush.
   *
   * That flushed record is `pg_logical_emit_message(…, flush => true)`, which exists only from
   * PostgreSQL 17 and needs EXECUTE on it. The pool checks both once (first statement); without
   * them (e.g. PostgreSQL 16) it ends with a plain COMMIT under the server's synchronous_commit:
   * the same durability, only holding the locks through the flush.
   */
  withOrgStatement<R extends pg.QueryResultRow = Record<string, unknown>>(orgId: string, text: string, values?: StatementValue[]): Promise<{ rows: R[]; rowCount: number }>;
  close(): Promise<void>;
}

export type StatementValue = string | number | bigint | boolean | null;

/**
 * `text` with each $n replaced by values[n-1] as an SQL literal: strings through pg's
 * escapeLiteral (quotes and backslashes escaped), finite numbers, bigints and booleans as
 * themselves, null as NULL. Anything else is refused rather than guessed.
 */
export function inlineStatementValues(text: string, values: StatementValue[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= values.length) throw new AppError('internal', `Statement placeholder $${n} has no value (${values.length} given)`);
    const v = values[i];
    if (v === null) return 'NULL';
    if (typeof v === 'string') return pg.escapeLiteral(v);
    if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw new AppError('internal', `Statement value $${n} cannot be inlined: ${typeof v}`);
  });
}

export interface DatabaseOptions {
  /** Pool size. Default 10. */
  max?: number;
  applicationName?: string;
  onError?: (err: Error) => void;
  /**
   * withOrgStatement commits with the early lock release + flushed WAL message when the server
   * supports it (default true). false always uses a plain synchronous COMMIT.
   */
  flushMessageCommit?: boolean;
  /** Per-org data keys for the encrypted columns; a handle without them cannot read or write those columns. */
  keys?: DataKeys;
  /** The audit chain head checkpoint (docs/decisions/016); appendAuditEvent advances it after each commit. */
  auditHeads?: AuditHeadStore;
}

/** PostgreSQL 17 added the `flush` argument of pg_logical_emit_message. */
export const FLUSH_MESSAGE_MIN_VERSION = 170000;

/** One query: the server's version and whether this login may run the flushing form. */
const FLUSH_MESSAGE_PROBE =
  "SELECT current_setting('server_version_num')::int AS version, " +
  "coalesce(has_function_privilege(to_regprocedure('pg_catalog.pg_logical_emit_message(boolean,text,text,boolean)'), 'EXECUTE'), false) AS executable";

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
    const committed: Array<(db: Database) => Promise<void>> = [];
    let released = false;
    try {
      // One round trip instead of three (simple-query protocol, several statements). The org id is
      // inlined only after withOrg checked it is a UUID (hex digits and dashes), so it cannot break
      // out of the literal.
      await client.query(orgId === null ? 'BEGIN; SET LOCAL ROLE fe_app' : `BEGIN; SET LOCAL ROLE fe_app; SELECT set_config('app.org_id', '${orgId}', true)`);
      // One connection runs one query at a time; queue them so Promise.all inside fn is safe.
      let queue: Promise<unknown> = Promise.resolve();
      const tx: Tx = {
        orgId,
        keys: opts.keys ?? null,
        auditHeads: opts.auditHeads ?? null,
        afterCommit: (f) => void committed.push(f),
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
      client.release();
      released = true;
      for (const f of committed) {
        try {
          await f(database);
        } catch (e) {
          opts.onError?.(e instanceof Error ? e : new Error(String(e)));
        }
      }
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
      if (!released) client.release(broken);
    }
  }

  // Decided once per pool; a probe that failed (server unreachable) is tried again next time.
  let flushMessage: Promise<boolean> | undefined = opts.flushMessageCommit === false ? Promise.resolve(false) : undefined;
  function useFlushMessage(): Promise<boolean> {
    flushMessage ??= pool.query<{ version: number; executable: boolean }>(FLUSH_MESSAGE_PROBE).then(
      ({ rows }) => rows[0]!.version >= FLUSH_MESSAGE_MIN_VERSION && rows[0]!.executable,
      (e: unknown) => {
        flushMessage = undefined;
        throw e;
      },
    );
    return flushMessage;
  }

  async function statement<R extends pg.QueryResultRow>(orgId: string, text: string, values: StatementValue[]): Promise<{ rows: R[]; rowCount: number }> {
    const body = inlineStatementValues(text, values);
    const sql = (await useFlushMessage())
      ? `BEGIN; SET LOCAL ROLE fe_app; SELECT set_config('app.org_id', '${orgId}', true), set_config('synchronous_commit', 'off', true); ` +
        `${body}; COMMIT; SELECT pg_logical_emit_message(false, 'fe-durable', '', true)`
      : `BEGIN; SET LOCAL ROLE fe_app; SELECT set_config('app.org_id', '${orgId}', true); ${body}; COMMIT`;
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      const results = (await client.query(sql)) as unknown as Array<pg.QueryResult<R>>;
      const r = results[3]!;
      return { rows: r.rows, rowCount: r.rowCount ?? 0 };
    } catch (e) {
      // The statement failed inside the explicit transaction: end it (after a failed COMMIT or a
      // failed flush there is none, and ROLLBACK only warns). A failed flush rejects although the
      // commit may survive: the caller treats the call as failed, which errs on the safe side.
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw e;
    } finally {
      client.release(broken);
    }
  }

  let ending: Promise<void> | undefined;
  const database: Database = {
    withOrg(orgId, fn) {
      if (!isUuid(orgId)) return Promise.reject(new AppError('request.invalid', `Not an org id: ${JSON.stringify(orgId)}`));
      return transaction(orgId, fn);
    },
    withoutOrg(fn) {
      return transaction(null, fn);
    },
    withOrgStatement<R extends pg.QueryResultRow>(orgId: string, text: string, values: StatementValue[] = []) {
      if (!isUuid(orgId)) return Promise.reject(new AppError('request.invalid', `Not an org id: ${JSON.stringify(orgId)}`));
      return statement<R>(orgId, text, values);
    },
    close: () => (ending ??= pool.end()),
  };
  return database;
}

/** The org of a transaction that must have one (every repository call except sign-in). */
export function orgOf(tx: Tx): string {
  if (tx.orgId === null) throw new AppError('internal', 'This query needs a transaction scoped to an org (db.withOrg)');
  return tx.orgId;
}

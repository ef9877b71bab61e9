import { AppError } from '../../../app/contracts/errors';
import type { Database, Tx } from '../db/database';
import { orgOf } from '../db/database';
import { int } from '../db/row-values';

export type BudgetScope = 'org' | 'user' | 'purpose';
export type BudgetPeriod = 'day' | 'month';

export interface Budget {
  id: string;
  orgId: string;
  scope: BudgetScope;
  /** '' for the org scope, the user id for 'user', the purpose name for 'purpose'. */
  scopeKey: string;
  period: BudgetPeriod;
  capMicros: number;
  /** A soft alert is raised once usage reaches ceil(capMicros * softAlertFraction). */
  softAlertFraction: number;
}

export interface BudgetWithUsage extends Budget {
  /** UTC day or first day of the UTC month, YYYY-MM-DD. */
  periodStart: string;
  reservedMicros: number;
  settledMicros: number;
}

export interface BudgetInput {
  scope: BudgetScope;
  scopeKey?: string;
  period: BudgetPeriod;
  capMicros: number;
  softAlertFraction?: number;
}

export interface ReserveInput {
  userId: string | null;
  purpose: string;
  model: string;
  /** Worst case in micro-USD (PriceTable.estimateCost: prompt + max_tokens). */
  estimateMicros: number;
  /** A retried request with the same key gets its earlier live reservation back, not a second one. */
  idempotencyKey?: string | null;
  /** The instant whose day/month periods are charged; default now() of the database. */
  at?: Date;
}

export interface BudgetState {
  budgetId: string;
  scope: BudgetScope;
  scopeKey: string;
  period: BudgetPeriod;
  periodStart: string;
  capMicros: number;
  /** reserved + settled in this period, after the operation. */
  usedMicros: number;
}

export interface SoftAlert extends BudgetState {
  thresholdMicros: number;
  /** True only for the reservation that took usage from below the threshold to at or above it. */
  crossed: boolean;
}

export type ReserveResult =
  | { ok: true; reservationId: string; softAlerts: SoftAlert[]; /** An earlier live reservation of the same idempotency key. */ replayed: boolean }
  | { ok: false; code: 'budget.exceeded'; budget: BudgetState & { requestedMicros: number } };

export interface SettleResult {
  reservationId: string;
  reservedMicros: number;
  settledMicros: number;
  /** actual − reserved when the provider billed more than the worst case; 0 otherwise. */
  overshootMicros: number;
  /** Budgets whose settled + reserved now exceed their cap (only possible through an overshoot). */
  overCap: BudgetState[];
}

export interface UsageQuery {
  period: BudgetPeriod;
  groupBy: 'org' | 'user' | 'purpose' | 'model';
  /** Inclusive lower bound on created_at. */
  from?: Date;
  /** Exclusive upper bound on created_at. */
  to?: Date;
}

export interface UsageRow {
  periodStart: string;
  /** The user id, purpose or model; null for groupBy 'org' (and for calls without a user). */
  key: string | null;
  requests: number;
  settledMicros: number;
  /** Reservations not yet settled or released. */
  openReservedMicros: number;
}

const PERIOD_START = `(CASE b.period WHEN 'day' THEN date_trunc('day', coalesce($1::timestamptz, now()) AT TIME ZONE 'UTC')
                                     ELSE date_trunc('month', coalesce($1::timestamptz, now()) AT TIME ZONE 'UTC') END)::date`;

export async function setBudget(tx: Tx, input: BudgetInput): Promise<Budget> {
  const scopeKey = input.scope === 'org' ? '' : (input.scopeKey ?? '');
  if (input.scope !== 'org' && scopeKey === '') throw new AppError('request.invalid', `A ${input.scope} budget needs a scopeKey`);
  if (input.scope === 'org' && input.scopeKey) throw new AppError('request.invalid', 'An org budget has no scopeKey');
  micros('capMicros', input.capMicros);
  const fraction = input.softAlertFraction ?? 0.8;
  if (!(fraction >= 0.0001 && fraction <= 1)) throw new AppError('request.invalid', `softAlertFraction must be in [0.0001, 1] (stored to 4 decimals), got ${fraction}`);
  const { rows } = await tx.query<BudgetRow>(
    `INSERT INTO ai_budgets (org_id, scope, scope_key, period, cap_micros, soft_alert_fraction)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (org_id, scope, scope_key, period)
       DO UPDATE SET cap_micros = EXCLUDED.cap_micros, soft_alert_fraction = EXCLUDED.soft_alert_fraction, updated_at = now()
     RETURNING *`,
    [orgOf(tx), input.scope, scopeKey, input.period, input.capMicros, fraction],
  );
  return toBudget(rows[0]!);
}

export async function deleteBudget(tx: Tx, budgetId: string): Promise<boolean> {
  orgOf(tx);
  return (await tx.query('DELETE FROM ai_budgets WHERE id = $1', [budgetId])).rowCount > 0;
}

/** Every budget of the org with its usage in the period containing `at` (default now). */
export async function listBudgets(tx: Tx, opts: { at?: Date } = {}): Promise<BudgetWithUsage[]> {
  orgOf(tx);
  const { rows } = await tx.query<BudgetRow & { period_start: string; reserved_micros: string | null; settled_micros: string | null }>(
    `SELECT b.*, to_char(p.period_start, 'YYYY-MM-DD') AS period_start, c.reserved_micros, c.settled_micros
     FROM ai_budgets b
     CROSS JOIN LATERAL (SELECT ${PERIOD_START} AS period_start) p
     LEFT JOIN ai_budget_counters c ON c.budget_id = b.id AND c.period_start = p.period_start
     ORDER BY b.scope, b.scope_key, b.period`,
    [opts.at ?? null],
  );
  return rows.map((r) => ({ ...toBudget(r), periodStart: r.period_start, reservedMicros: int(r.reserved_micros ?? 0), settledMicros: int(r.settled_micros ?? 0) }));
}

/**
 * Reserve the worst case against every budget that applies (the org's, the user's, the purpose's),
 * all or nothing. Atomicity: the counter rows of those budgets are locked FOR UPDATE in budget-id
 * order, then checked and incremented in this transaction, so two reservations touching a budget
 * run one after the other on it and the second sees the first's increment (READ COMMITTED re-reads
 * a row after waiting for its lock). No interleaving can therefore take reserved + settled above a
 * cap; the fixed order keeps concurrent reservations from deadlocking. Commit promptly: the locks
 * are held until the caller's transaction ends (createBudgetLedger runs each call on its own).
 */
export async function reserve(tx: Tx, input: ReserveInput): Promise<ReserveResult> {
  orgOf(tx);
  checkReserveInput(input);
  const { rows } = await tx.query<{ r: ReserveJson }>('SELECT ai_reserve($1, $2, $3, $4, $5, $6) AS r', [
    input.userId ?? null,
    input.purpose,
    input.model,
    input.estimateMicros,
    input.idempotencyKey ?? null,
    input.at ?? null,
  ]);
  return reserveResultOf(rows[0]!.r);
}

/** The checks reserve() makes before asking the database (ai_reserve, migration 0009). */
export function checkReserveInput(input: ReserveInput): void {
  micros('estimateMicros', input.estimateMicros);
  if (!input.purpose) throw new AppError('request.invalid', 'A reservation needs a purpose');
  if (!input.model) throw new AppError('request.invalid', 'A reservation needs a model');
}

/** What ai_reserve answers (jsonb). */
export type ReserveJson =
  | { ok: true; reservationId: string; replayed: boolean; softAlerts: SoftAlert[] }
  | { ok: false; budget: BudgetState & { requestedMicros: number } };

export function reserveResultOf(r: ReserveJson): ReserveResult {
  if (!r.ok) return { ok: false, code: 'budget.exceeded', budget: r.budget };
  return { ok: true, reservationId: r.reservationId, softAlerts: r.softAlerts, replayed: r.replayed };
}

/** What ai_finish_reservation answers (jsonb). */
export type FinishReservationJson =
  | { error: 'not_found' | 'released' | 'settled' }
  | { reservationId: string; status: 'released'; changed: boolean }
  | { reservationId: string; status: 'settled'; changed: boolean; reservedMicros: number; settledMicros: number; overshootMicros: number; overCap: BudgetState[] };

/** The AppError for a settle or release that ai_finish_reservation refused; null when it went through. */
export function finishReservationError(reservationId: string, r: FinishReservationJson): AppError | null {
  if (!('error' in r)) return null;
  if (r.error === 'not_found') return new AppError('request.not_found', `No reservation ${reservationId}`);
  return r.error === 'released'
    ? new AppError('request.invalid', `Reservation ${reservationId} was released and cannot be settled`)
    : new AppError('request.invalid', `Reservation ${reservationId} is settled and cannot be released`);
}

/**
 * Replace the reservation by the actual cost. The call has happened, so a cost above the
 * reservation cannot be refused: it is recorded in full and reported as overshootMicros. Each
 * overshoot is bounded by (actual − worst-case estimate) of that one call (output is capped by
 * max_tokens, so only an underestimated prompt can cause it), and a budget whose usage is past its
 * cap refuses every further reservation. Settling twice returns the first settlement unchanged.
 */
export async function settle(tx: Tx, reservationId: string, actualMicros: number): Promise<SettleResult> {
  orgOf(tx);
  micros('actualMicros', actualMicros);
  const r = await finishReservation(tx, reservationId, actualMicros);
  if (r.status !== 'settled') throw new AppError('internal', `Reservation ${reservationId} did not settle`);
  return { reservationId, reservedMicros: r.reservedMicros, settledMicros: r.settledMicros, overshootMicros: r.overshootMicros, overCap: r.overCap };
}

/** Give the reservation back (the call failed or was refused later). Releasing twice is a no-op. */
export async function release(tx: Tx, reservationId: string): Promise<{ released: boolean }> {
  orgOf(tx);
  const r = await finishReservation(tx, reservationId, null);
  return { released: r.status === 'released' && r.changed };
}

async function finishReservation(tx: Tx, reservationId: string, actualMicros: number | null) {
  const { rows } = await tx.query<{ r: FinishReservationJson }>('SELECT ai_finish_reservation($1, $2) AS r', [reservationId, actualMicros]);
  const r = rows[0]!.r;
  const err = finishReservationError(reservationId, r);
  if (err) throw err;
  return r as Exclude<FinishReservationJson, { error: string }>;
}

/** Release reservations left open longer than olderThanSec (a gateway that died mid-call). */
export async function releaseStale(tx: Tx, olderThanSec: number): Promise<number> {
  orgOf(tx);
  const { rows } = await tx.query<{ id: string }>(
    "SELECT id FROM ai_reservations WHERE status = 'reserved' AND created_at < now() - make_interval(secs => $1) ORDER BY id",
    [olderThanSec],
  );
  for (const r of rows) await release(tx, r.id);
  return rows.length;
}

/** Usage (settled cost and still-open reservations) per period and org, user, purpose or model. */
export async function usageSummary(tx: Tx, q: UsageQuery): Promise<UsageRow[]> {
  orgOf(tx);
  const keyColumn = { org: 'NULL::text', user: 'user_id::text', purpose: 'purpose', model: 'model' }[q.groupBy];
  const { rows } = await tx.query<{ period_start: string; key: string | null; requests: string; settled: string; open: string }>(
    `SELECT to_char(date_trunc($1, created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS period_start, ${keyColumn} AS key,
            count(*) AS requests,
            coalesce(sum(settled_micros), 0) AS settled,
            coalesce(sum(reserved_micros) FILTER (WHERE status = 'reserved'), 0) AS open
     FROM ai_reservations
     WHERE status <> 'released' AND created_at >= coalesce($2::timestamptz, '-infinity') AND created_at < coalesce($3::timestamptz, 'infinity')
     GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST`,
    [q.period, q.from ?? null, q.to ?? null],
  );
  return rows.map((r) => ({ periodStart: r.period_start, key: r.key, requests: int(r.requests), settledMicros: int(r.settled), openReservedMicros: int(r.open) }));
}

export interface BudgetLedger {
  reserve(input: ReserveInput & { orgId: string }): Promise<ReserveResult>;
  settle(orgId: string, reservationId: string, actualMicros: number): Promise<SettleResult>;
  release(orgId: string, reservationId: string): Promise<{ released: boolean }>;
  usage(orgId: string, q: UsageQuery): Promise<UsageRow[]>;
}

/** The ledger over a pool: each call is its own short transaction, so counter locks are held for milliseconds. */
export function createBudgetLedger(db: Database): BudgetLedger {
  return {
    reserve: ({ orgId, ...input }) => withDeadlockRetry(() => db.withOrg(orgId, (tx) => reserve(tx, input))),
    settle: (orgId, id, actual) => withDeadlockRetry(() => db.withOrg(orgId, (tx) => settle(tx, id, actual))),
    release: (orgId, id) => withDeadlockRetry(() => db.withOrg(orgId, (tx) => release(tx, id))),
    usage: (orgId, q) => db.withOrg(orgId, (tx) => usageSummary(tx, q)),
  };
}

/**
 * Locks are always taken in budget-id order, but PostgreSQL may still report a deadlock when two
 * transactions create the same period's counters at once; the whole transaction was rolled back,
 * so running it again is safe.
 */
export async function withDeadlockRetry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw e;
    }
  }
}

function micros(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new AppError('request.invalid', `${name} must be a non-negative integer of micro-USD, got ${v}`);
}

interface BudgetRow {
  id: string;
  org_id: string;
  scope: BudgetScope;
  scope_key: string;
  period: BudgetPeriod;
  cap_micros: string;
  soft_alert_fraction: string;
}

function toBudget(r: BudgetRow): Budget {
  return { id: r.id, orgId: r.org_id, scope: r.scope, scopeKey: r.scope_key, period: r.period, capMicros: int(r.cap_micros), softAlertFraction: Number(r.soft_alert_fraction) };
}

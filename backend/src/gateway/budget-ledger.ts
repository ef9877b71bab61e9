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
  if (!(fraction > 0 && fraction <= 1)) throw new AppError('request.invalid', `softAlertFraction must be in (0, 1], got ${fraction}`);
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
  const orgId = orgOf(tx);
  micros('estimateMicros', input.estimateMicros);
  if (!input.purpose) throw new AppError('request.invalid', 'A reservation needs a purpose');
  if (!input.model) throw new AppError('request.invalid', 'A reservation needs a model');
  const key = input.idempotencyKey ?? null;
  if (key !== null) {
    // Two concurrent retries of one request must not both pass the lookup below.
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('ai_reservations:' || $1 || ':' || $2, 0))", [orgId, key]);
    const { rows } = await tx.query<{ id: string }>("SELECT id FROM ai_reservations WHERE idempotency_key = $1 AND status <> 'released'", [key]);
    if (rows[0]) return { ok: true, reservationId: rows[0].id, softAlerts: [], replayed: true };
  }

  const at = input.at ?? null;
  const applicable = await tx.query<{ id: string; period_start: string }>(
    `SELECT b.id, to_char(${PERIOD_START}, 'YYYY-MM-DD') AS period_start FROM ai_budgets b
     WHERE b.scope = 'org' OR (b.scope = 'user' AND b.scope_key = $2) OR (b.scope = 'purpose' AND b.scope_key = $3)
     ORDER BY b.id`,
    [at, input.userId ?? '', input.purpose],
  );
  const budgetIds = applicable.rows.map((r) => r.id);
  const periodStarts = applicable.rows.map((r) => r.period_start);
  let states: LockedCounter[] = [];
  if (budgetIds.length > 0) {
    await tx.query(
      `INSERT INTO ai_budget_counters (org_id, budget_id, period_start)
       SELECT $1, u.budget_id, u.period_start FROM unnest($2::uuid[], $3::date[]) AS u (budget_id, period_start)
       ORDER BY u.budget_id
       ON CONFLICT DO NOTHING`,
      [orgId, budgetIds, periodStarts],
    );
    states = await lockCounters(tx, budgetIds, periodStarts);
    const over = states.find((s) => s.usedMicros + input.estimateMicros > s.capMicros);
    if (over) return { ok: false, code: 'budget.exceeded', budget: { ...stateOf(over), requestedMicros: input.estimateMicros } };
    await tx.query(
      `UPDATE ai_budget_counters c SET reserved_micros = c.reserved_micros + $3
       FROM unnest($1::uuid[], $2::date[]) AS u (budget_id, period_start)
       WHERE c.budget_id = u.budget_id AND c.period_start = u.period_start`,
      [budgetIds, periodStarts, input.estimateMicros],
    );
  }
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO ai_reservations (org_id, user_id, purpose, model, budget_ids, period_starts, reserved_micros, idempotency_key)
     VALUES ($1, $2, $3, $4, $5::uuid[], $6::date[], $7, $8) RETURNING id`,
    [orgId, input.userId ?? null, input.purpose, input.model, budgetIds, periodStarts, input.estimateMicros, key],
  );
  const softAlerts: SoftAlert[] = [];
  for (const s of states) {
    const after = s.usedMicros + input.estimateMicros;
    if (after >= s.thresholdMicros) softAlerts.push({ ...stateOf(s), usedMicros: after, thresholdMicros: s.thresholdMicros, crossed: s.usedMicros < s.thresholdMicros });
  }
  return { ok: true, reservationId: rows[0]!.id, softAlerts, replayed: false };
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
  const r = await lockReservation(tx, reservationId);
  if (r.status === 'released') throw new AppError('request.invalid', `Reservation ${reservationId} was released and cannot be settled`);
  const reserved = int(r.reserved_micros);
  if (r.status === 'settled') {
    const settled = int(r.settled_micros!);
    return { reservationId, reservedMicros: reserved, settledMicros: settled, overshootMicros: Math.max(0, settled - reserved), overCap: [] };
  }
  const budgetIds = r.budget_ids;
  const periodStarts = r.period_starts;
  let overCap: BudgetState[] = [];
  if (budgetIds.length > 0) {
    const before = await lockCounters(tx, budgetIds, periodStarts);
    await tx.query(
      `UPDATE ai_budget_counters c SET reserved_micros = c.reserved_micros - $3, settled_micros = c.settled_micros + $4
       FROM unnest($1::uuid[], $2::date[]) AS u (budget_id, period_start)
       WHERE c.budget_id = u.budget_id AND c.period_start = u.period_start`,
      [budgetIds, periodStarts, reserved, actualMicros],
    );
    overCap = before
      .map((s) => ({ ...stateOf(s), usedMicros: s.usedMicros - reserved + actualMicros }))
      .filter((s) => s.usedMicros > s.capMicros);
  }
  await tx.query("UPDATE ai_reservations SET status = 'settled', settled_micros = $2, finished_at = now() WHERE id = $1", [reservationId, actualMicros]);
  return { reservationId, reservedMicros: reserved, settledMicros: actualMicros, overshootMicros: Math.max(0, actualMicros - reserved), overCap };
}

/** Give the reservation back (the call failed or was refused later). Releasing twice is a no-op. */
export async function release(tx: Tx, reservationId: string): Promise<{ released: boolean }> {
  orgOf(tx);
  const r = await lockReservation(tx, reservationId);
  if (r.status === 'released') return { released: false };
  if (r.status === 'settled') throw new AppError('request.invalid', `Reservation ${reservationId} is settled and cannot be released`);
  if (r.budget_ids.length > 0) {
    await lockCounters(tx, r.budget_ids, r.period_starts);
    await tx.query(
      `UPDATE ai_budget_counters c SET reserved_micros = c.reserved_micros - $3
       FROM unnest($1::uuid[], $2::date[]) AS u (budget_id, period_start)
       WHERE c.budget_id = u.budget_id AND c.period_start = u.period_start`,
      [r.budget_ids, r.period_starts, int(r.reserved_micros)],
    );
  }
  await tx.query("UPDATE ai_reservations SET status = 'released', finished_at = now() WHERE id = $1", [reservationId]);
  return { released: true };
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
async function withDeadlockRetry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw e;
    }
  }
}

interface LockedCounter {
  budgetId: string;
  periodStart: string;
  scope: BudgetScope;
  scopeKey: string;
  period: BudgetPeriod;
  capMicros: number;
  usedMicros: number;
  thresholdMicros: number;
}

async function lockCounters(tx: Tx, budgetIds: string[], periodStarts: string[]): Promise<LockedCounter[]> {
  const { rows } = await tx.query<{ budget_id: string; period_start: string; used: string; cap_micros: string; threshold: string; scope: BudgetScope; scope_key: string; period: BudgetPeriod }>(
    `SELECT c.budget_id, to_char(c.period_start, 'YYYY-MM-DD') AS period_start, c.reserved_micros + c.settled_micros AS used,
            b.cap_micros, ceil(b.cap_micros * b.soft_alert_fraction)::bigint AS threshold, b.scope, b.scope_key, b.period
     FROM ai_budget_counters c
     JOIN unnest($1::uuid[], $2::date[]) AS u (budget_id, period_start) ON c.budget_id = u.budget_id AND c.period_start = u.period_start
     JOIN ai_budgets b ON b.id = c.budget_id
     ORDER BY c.budget_id, c.period_start
     FOR UPDATE OF c`,
    [budgetIds, periodStarts],
  );
  return rows.map((r) => ({
    budgetId: r.budget_id,
    periodStart: r.period_start,
    scope: r.scope,
    scopeKey: r.scope_key,
    period: r.period,
    capMicros: int(r.cap_micros),
    usedMicros: int(r.used),
    thresholdMicros: int(r.threshold),
  }));
}

interface ReservationRow {
  id: string;
  status: 'reserved' | 'settled' | 'released';
  reserved_micros: string;
  settled_micros: string | null;
  budget_ids: string[];
  period_starts: string[];
}

async function lockReservation(tx: Tx, reservationId: string): Promise<ReservationRow> {
  const { rows } = await tx.query<ReservationRow>(
    `SELECT id, status, reserved_micros, settled_micros, budget_ids, ARRAY(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(period_starts) d) AS period_starts
     FROM ai_reservations WHERE id = $1 FOR UPDATE`,
    [reservationId],
  );
  if (!rows[0]) throw new AppError('request.not_found', `No reservation ${reservationId}`);
  return rows[0];
}

function stateOf(s: LockedCounter): BudgetState {
  return { budgetId: s.budgetId, scope: s.scope, scopeKey: s.scopeKey, period: s.period, periodStart: s.periodStart, capMicros: s.capMicros, usedMicros: s.usedMicros };
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

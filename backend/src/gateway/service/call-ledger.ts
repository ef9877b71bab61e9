import type { Database } from '../../db/database';
import { checkReserveInput, finishReservationError, reserveResultOf, withDeadlockRetry, type FinishReservationJson, type ReserveInput, type ReserveJson, type ReserveResult } from '../budget-ledger';
import { gatewayAuditColumns, type NewGatewayAuditRecord } from '../gateway-audit';
import { scheduleGatewayHeadCheckpoint } from '../gateway-audit-head';
import { beginResultOf, validateBegin, type BeginJson, type BeginResult, DEFAULT_LEASE_SEC } from '../idempotency-store';

/**
 * The two database steps of a governed call, each one statement in one short transaction
 * (functions of migration 0009): begin = claim the Idempotency-Key + reserve the worst case;
 * finish = settle or release + complete or give back the key + append the audit record.
 */
export interface CallLedger {
  begin(orgId: string, q: BeginCallInput): Promise<BeginCallResult>;
  finish(orgId: string, q: FinishCallInput): Promise<FinishCallResult>;
}

export interface BeginCallInput {
  reserve: Omit<ReserveInput, 'idempotencyKey' | 'at'>;
  idempotency: { key: string; requestHash: string; leaseSec?: number } | null;
}

/** `reservation` is absent when the key was not new (nothing was reserved then). */
export interface BeginCallResult {
  idempotency: BeginResult | { state: 'none' };
  reservation?: ReserveResult;
}

export interface FinishCallInput {
  reservationId: string;
  /** The actual cost to settle; null releases the reservation. */
  actualMicros: number | null;
  /** The key this call owns; its answer is stored (or, when null, the key is given back). */
  idempotency: { key: string; answer: unknown } | null;
  audit: NewGatewayAuditRecord;
}

export interface FinishCallResult {
  /** Why the settle or release was refused (the key and the audit record were still written). */
  reservationError: Error | null;
}

/** onCheckpointError: a head checkpoint that failed (the call itself is committed and answered). */
export function createCallLedger(db: Database, opts: { onCheckpointError?: (e: Error) => void } = {}): CallLedger {
  return {
    begin(orgId, q) {
      checkReserveInput(q.reserve);
      if (q.idempotency) validateBegin(q.idempotency);
      const r = q.reserve;
      const k = q.idempotency;
      return withDeadlockRetry(async () => {
        const { rows } = await db.withOrgStatement<{ r: { idempotency: BeginJson | { state: 'none' }; reservation?: ReserveJson } }>(orgId, 'SELECT ai_gateway_begin_call($1, $2, $3, $4, $5, $6, $7) AS r', [
          k?.key ?? null,
          k?.requestHash ?? null,
          k?.leaseSec ?? DEFAULT_LEASE_SEC,
          r.userId ?? null,
          r.purpose,
          r.model,
          r.estimateMicros,
        ]);
        const out = rows[0]!.r;
        return {
          idempotency: out.idempotency.state === 'none' ? { state: 'none' as const } : beginResultOf(out.idempotency as BeginJson),
          ...(out.reservation ? { reservation: reserveResultOf(out.reservation) } : {}),
        };
      });
    },
    finish(orgId, q) {
      const audit = gatewayAuditColumns(q.audit);
      const actual = q.actualMicros;
      if (actual !== null && (!Number.isSafeInteger(actual) || actual < 0)) throw new Error(`actualMicros must be a non-negative integer, got ${actual}`);
      const answer = q.idempotency && q.idempotency.answer !== null && q.idempotency.answer !== undefined ? JSON.stringify(q.idempotency.answer) : null;
      return withDeadlockRetry(async () => {
        const { rows } = await db.withOrgStatement<{ r: { reservation: FinishReservationJson } }>(orgId, 'SELECT ai_gateway_finish_call($1, $2, $3, $4::jsonb, $5::jsonb) AS r', [
          q.reservationId,
          actual,
          q.idempotency?.key ?? null,
          answer,
          JSON.stringify(audit),
        ]);
        // The audit row is committed: advance the trail's signed head outside the database.
        await scheduleGatewayHeadCheckpoint(db, orgId).catch((e: unknown) => opts.onCheckpointError?.(e instanceof Error ? e : new Error(String(e))));
        return { reservationError: finishReservationError(q.reservationId, rows[0]!.r.reservation) };
      });
    },
  };
}

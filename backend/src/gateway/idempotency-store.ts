import { createHash } from 'node:crypto';
import { AppError } from '../../../app/contracts/errors';
import type { Database, Tx } from '../db/database';
import { orgOf } from '../db/database';

/**
 * What to do with a request carrying an Idempotency-Key:
 * - new: this caller owns the key now; run the call, then complete() (or abandon() on failure);
 * - in_flight: another attempt is running it; answer idempotency.in_flight (retry later);
 * - completed: return `response` as is and charge nothing;
 * - conflict: the key was used for a different request; answer idempotency.conflict.
 */
export type BeginResult =
  | { state: 'new' }
  | { state: 'in_flight'; code: 'idempotency.in_flight' }
  | { state: 'completed'; response: unknown }
  | { state: 'conflict'; code: 'idempotency.conflict' };

export interface BeginInput {
  key: string;
  /** sha256 hex of the canonical request (requestSha256 below). */
  requestHash: string;
  /** How long an in-flight key stays owned before another attempt may take it over. Default 10 min. */
  leaseSec?: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** sha256 hex of a JSON value with object keys sorted, so key order does not change the hash. */
export function requestSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export async function beginIdempotent(tx: Tx, input: BeginInput): Promise<BeginResult> {
  orgOf(tx);
  validateBegin(input);
  const { rows } = await tx.query<{ r: BeginJson }>('SELECT ai_idempotency_begin($1, $2, $3) AS r', [input.key, input.requestHash, input.leaseSec ?? DEFAULT_LEASE_SEC]);
  return beginResultOf(rows[0]!.r);
}

export const DEFAULT_LEASE_SEC = 600;

/** What ai_idempotency_begin answers (jsonb, migration 0009). */
export type BeginJson = { state: 'new' | 'in_flight' | 'conflict' } | { state: 'completed'; response: unknown };

export function beginResultOf(r: BeginJson): BeginResult {
  switch (r.state) {
    case 'new':
      return { state: 'new' };
    case 'completed':
      return { state: 'completed', response: (r as { response: unknown }).response };
    case 'conflict':
      return { state: 'conflict', code: 'idempotency.conflict' };
    default:
      return { state: 'in_flight', code: 'idempotency.in_flight' };
  }
}

/** The checks begin makes before asking the database. */
export function validateBegin(input: BeginInput): void {
  validate(input.key, input.requestHash);
  const lease = input.leaseSec ?? DEFAULT_LEASE_SEC;
  if (!Number.isSafeInteger(lease) || lease < 0) throw new AppError('request.invalid', `leaseSec must be a non-negative integer, got ${lease}`);
}

/** Store the answer of a key this caller owns. Completing an already completed key changes nothing. */
export async function completeIdempotent(tx: Tx, key: string, response: unknown): Promise<void> {
  orgOf(tx);
  if (response === undefined) throw new AppError('request.invalid', 'An idempotent response cannot be undefined');
  const { rowCount } = await tx.query(
    "UPDATE ai_idempotency_keys SET status = 'completed', response = $2::jsonb, completed_at = now() WHERE key = $1 AND status = 'in_flight'",
    [key, JSON.stringify(response)],
  );
  if (rowCount === 0) {
    const { rows } = await tx.query<{ status: string }>('SELECT status FROM ai_idempotency_keys WHERE key = $1', [key]);
    if (!rows[0]) throw new AppError('request.not_found', `Idempotency key ${key} was not begun`);
  }
}

/** The call failed: drop the in-flight key so a retry runs it again. A completed key is kept. */
export async function abandonIdempotent(tx: Tx, key: string): Promise<void> {
  orgOf(tx);
  await tx.query("DELETE FROM ai_idempotency_keys WHERE key = $1 AND status = 'in_flight'", [key]);
}

export interface IdempotencyStore {
  begin(orgId: string, key: string, requestHash: string, opts?: { leaseSec?: number }): Promise<BeginResult>;
  complete(orgId: string, key: string, response: unknown): Promise<void>;
  abandon(orgId: string, key: string): Promise<void>;
}

/** Each call its own transaction, so a key is visible to other attempts as soon as it is claimed. */
export function createIdempotencyStore(db: Database): IdempotencyStore {
  return {
    begin: (orgId, key, requestHash, opts) => db.withOrg(orgId, (tx) => beginIdempotent(tx, { key, requestHash, leaseSec: opts?.leaseSec })),
    complete: (orgId, key, response) => db.withOrg(orgId, (tx) => completeIdempotent(tx, key, response)),
    abandon: (orgId, key) => db.withOrg(orgId, (tx) => abandonIdempotent(tx, key)),
  };
}

function validate(key: string, requestHash: string): void {
  if (key.length < 1 || key.length > 255) throw new AppError('request.invalid', 'An Idempotency-Key has 1 to 255 characters');
  if (!SHA256.test(requestHash)) throw new AppError('request.invalid', 'requestHash must be a sha256 hex digest');
}

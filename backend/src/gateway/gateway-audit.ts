import { createHash } from 'node:crypto';
import { AppError } from '../../../app/contracts/errors';
import { headSignatureValid } from '../audit/audit-head-file';
import type { Tx } from '../db/database';
import { orgOf } from '../db/database';
import { scheduleGatewayHeadCheckpoint } from './gateway-audit-head';
import { int, intOrNull, iso } from '../db/row-values';

/** One gateway call in the org's hash-chained, append-only trail (migration 0007). */
export interface GatewayAuditRecord {
  /** bigserial, as a string. */
  id: string;
  orgId: string;
  seq: number;
  userId: string | null;
  purpose: string;
  sessionId: string | null;
  provider: string;
  model: string;
  tokensIn: number;
  tokensOut: number;
  audioMs: number | null;
  costMicros: number;
  latencyMs: number;
  policyDecision: 'allow' | 'deny';
  policyVersion: string;
  /** Placeholders inserted per kind, e.g. { PERSON: 2, PHONE: 1 }. */
  redactionCounts: Record<string, number>;
  /** sha256 hex of the prompt as sent (after redaction); null when nothing was sent. */
  promptSha256: string | null;
  responseSha256: string | null;
  /** 'ok' or the stable error code the caller received. */
  outcome: string;
  createdAt: string;
  prevHash: string | null;
  hash: string;
}

export type NewGatewayAuditRecord = Omit<GatewayAuditRecord, 'id' | 'orgId' | 'seq' | 'createdAt' | 'prevHash' | 'hash' | 'userId' | 'sessionId' | 'audioMs' | 'redactionCounts' | 'outcome' | 'tokensIn' | 'tokensOut' | 'costMicros'> & {
  userId?: string | null;
  sessionId?: string | null;
  tokensIn?: number;
  tokensOut?: number;
  audioMs?: number | null;
  costMicros?: number;
  redactionCounts?: Record<string, number>;
  outcome?: string;
};

export type GatewayAuditChainCheck =
  | { ok: true; count: number; headHash: string | null; checkpointSeq: number | null }
  | {
      ok: false;
      count: number;
      /** null when the row is missing (truncated) or the break is the checkpoint itself. */
      firstBrokenId: string | null;
      firstBrokenSeq: number;
      reason:
        | 'sequence_gap'
        | 'prev_hash_mismatch'
        | 'hash_mismatch'
        /** The rows from firstBrokenSeq on are missing: the trail ends before the checkpointed head. */
        | 'truncated'
        /** The row at the checkpointed seq is not the checkpointed one: rows up to it were rewritten and re-hashed. */
        | 'checkpoint_mismatch'
        /** No checkpoint although the trail has rows, or one whose signature does not verify. */
        | 'checkpoint_missing'
        | 'checkpoint_invalid';
    };

/** sha256 hex of text as UTF-8: what the trail stores instead of a prompt or a response. */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** seq, prev_hash, hash and created_at come from the database trigger, never from the caller. */
export async function appendGatewayAudit(tx: Tx, r: NewGatewayAuditRecord): Promise<GatewayAuditRecord> {
  checkGatewayAuditRecord(r);
  const { rows } = await tx.query<GatewayAuditRow>(
    `INSERT INTO ai_gateway_audit (org_id, user_id, purpose, session_id, provider, model, tokens_in, tokens_out, audio_ms, cost_micros,
                                   latency_ms, policy_decision, policy_version, redaction_counts, prompt_sha256, response_sha256, outcome)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING *`,
    [
      orgOf(tx),
      r.userId ?? null,
      r.purpose,
      r.sessionId ?? null,
      r.provider,
      r.model,
      r.tokensIn ?? 0,
      r.tokensOut ?? 0,
      r.audioMs ?? null,
      r.costMicros ?? 0,
      r.latencyMs,
      r.policyDecision,
      r.policyVersion,
      JSON.stringify(r.redactionCounts ?? {}),
      r.promptSha256,
      r.responseSha256,
      r.outcome ?? 'ok',
    ],
  );
  const orgId = orgOf(tx);
  if (tx.auditHeads) tx.afterCommit((db) => scheduleGatewayHeadCheckpoint(db, orgId));
  return toRecord(rows[0]!);
}

/** The checks appendGatewayAudit makes before writing (also used by the gateway's one-statement finish). */
export function checkGatewayAuditRecord(r: NewGatewayAuditRecord): void {
  for (const [name, v] of Object.entries({ tokensIn: r.tokensIn ?? 0, tokensOut: r.tokensOut ?? 0, costMicros: r.costMicros ?? 0, latencyMs: r.latencyMs, audioMs: r.audioMs ?? 0 })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new AppError('request.invalid', `${name} must be a non-negative integer, got ${v}`);
  }
  for (const [k, v] of Object.entries(r.redactionCounts ?? {})) {
    if (!Number.isSafeInteger(v) || v < 0) throw new AppError('request.invalid', `redactionCounts.${k} must be a non-negative integer`);
  }
}

/** The record keyed by column name, as ai_gateway_finish_call (migration 0009) takes it. */
export function gatewayAuditColumns(r: NewGatewayAuditRecord): Record<string, unknown> {
  checkGatewayAuditRecord(r);
  return {
    user_id: r.userId ?? null,
    purpose: r.purpose,
    session_id: r.sessionId ?? null,
    provider: r.provider,
    model: r.model,
    tokens_in: r.tokensIn ?? 0,
    tokens_out: r.tokensOut ?? 0,
    audio_ms: r.audioMs ?? null,
    cost_micros: r.costMicros ?? 0,
    latency_ms: r.latencyMs,
    policy_decision: r.policyDecision,
    policy_version: r.policyVersion,
    redaction_counts: r.redactionCounts ?? {},
    prompt_sha256: r.promptSha256,
    response_sha256: r.responseSha256,
    outcome: r.outcome ?? 'ok',
  };
}

export async function listGatewayAudit(tx: Tx, opts: { afterSeq?: number; limit?: number } = {}): Promise<GatewayAuditRecord[]> {
  orgOf(tx);
  const { rows } = await tx.query<GatewayAuditRow>('SELECT * FROM ai_gateway_audit WHERE seq > $1 ORDER BY seq LIMIT $2', [opts.afterSeq ?? 0, opts.limit ?? 100]);
  return rows.map(toRecord);
}

/**
 * Walk the org's trail in seq order and name the first record that breaks it: an edited record
 * (hash_mismatch), an edited and re-hashed one (its successor: prev_hash_mismatch), a deleted one
 * (the record after the gap: sequence_gap). Then, when the handle has the checkpoint store, the
 * trail must reach the signed head kept outside the database (gateway-audit-head.ts): a trail
 * edited and re-hashed to its end (checkpoint_mismatch) or cut short (truncated) is caught there.
 */
export async function verifyGatewayAuditChain(tx: Tx): Promise<GatewayAuditChainCheck> {
  const orgId = orgOf(tx);
  const { rows } = await tx.query<{ id: string; seq: string; prev_hash: string | null; hash: string; expected: string }>(
    'SELECT a.id, a.seq, a.prev_hash, a.hash, ai_gateway_audit_hash(a) AS expected FROM ai_gateway_audit a ORDER BY a.seq',
  );
  let prev: string | null = null;
  let count = 0;
  for (const r of rows) {
    const broken =
      Number(r.seq) !== count + 1 ? ('sequence_gap' as const) : r.prev_hash !== prev ? ('prev_hash_mismatch' as const) : r.hash !== r.expected ? ('hash_mismatch' as const) : null;
    if (broken) return { ok: false, count, firstBrokenId: r.id, firstBrokenSeq: Number(r.seq), reason: broken };
    prev = r.hash;
    count += 1;
  }
  let checkpointSeq: number | null = null;
  if (tx.auditHeads) {
    const head = await tx.auditHeads.read(orgId, 'gateway');
    if (!head) {
      if (count > 0) return { ok: false, count, firstBrokenId: null, firstBrokenSeq: count, reason: 'checkpoint_missing' };
    } else {
      let valid = false;
      try {
        valid = !!tx.keys && headSignatureValid(head, await tx.keys.byId(tx, head.keyId), 'gateway');
      } catch {
        valid = false;
      }
      if (!valid) return { ok: false, count, firstBrokenId: null, firstBrokenSeq: head.seq, reason: 'checkpoint_invalid' };
      if (head.seq > count) return { ok: false, count, firstBrokenId: null, firstBrokenSeq: count + 1, reason: 'truncated' };
      const at = rows[head.seq - 1]!;
      if (at.hash !== head.hash) return { ok: false, count, firstBrokenId: at.id, firstBrokenSeq: head.seq, reason: 'checkpoint_mismatch' };
      checkpointSeq = head.seq;
    }
  }
  return { ok: true, count, headHash: prev, checkpointSeq };
}

/** A row of ai_gateway_audit as pg returns it (shared with the admin queries). */
export interface GatewayAuditRow {
  id: string;
  org_id: string;
  seq: string;
  user_id: string | null;
  purpose: string;
  session_id: string | null;
  provider: string;
  model: string;
  tokens_in: number;
  tokens_out: number;
  audio_ms: string | null;
  cost_micros: string;
  latency_ms: number;
  policy_decision: 'allow' | 'deny';
  policy_version: string;
  redaction_counts: Record<string, number>;
  prompt_sha256: string | null;
  response_sha256: string | null;
  outcome: string;
  created_at: Date;
  prev_hash: string | null;
  hash: string;
}

export function toRecord(r: GatewayAuditRow): GatewayAuditRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    seq: int(r.seq),
    userId: r.user_id,
    purpose: r.purpose,
    sessionId: r.session_id,
    provider: r.provider,
    model: r.model,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
    audioMs: intOrNull(r.audio_ms),
    costMicros: int(r.cost_micros),
    latencyMs: r.latency_ms,
    policyDecision: r.policy_decision,
    policyVersion: r.policy_version,
    redactionCounts: r.redaction_counts,
    promptSha256: r.prompt_sha256,
    responseSha256: r.response_sha256,
    outcome: r.outcome,
    createdAt: iso(r.created_at),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

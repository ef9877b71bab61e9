import type { Tx } from '../database';
import { orgOf } from '../database';
import { iso } from '../row-values';

/** One entry of an org's hash-chained, append-only audit trail (see migration 0005). */
export interface AuditEvent {
  /** bigserial, as a string. */
  id: string;
  orgId: string;
  /** Position in the org's chain, from 1. */
  seq: number;
  actorUserId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
  prevHash: string | null;
  hash: string;
}

export interface NewAuditEvent {
  actorUserId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  data?: Record<string, unknown>;
}

export type AuditChainCheck = { ok: true; count: number } | { ok: false; count: number; firstBrokenId: string; reason: 'sequence_gap' | 'prev_hash_mismatch' | 'hash_mismatch' };

/** seq, prev_hash, hash and created_at are set by the database trigger, never by the caller. */
export async function appendAuditEvent(tx: Tx, input: NewAuditEvent): Promise<AuditEvent> {
  const { rows } = await tx.query<AuditRow>(
    `INSERT INTO audit_events (org_id, actor_user_id, action, target_type, target_id, data)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [orgOf(tx), input.actorUserId ?? null, input.action, input.targetType ?? null, input.targetId ?? null, JSON.stringify(input.data ?? {})],
  );
  return toAuditEvent(rows[0]!);
}

export async function listAuditEvents(tx: Tx, opts: { afterSeq?: number; limit?: number } = {}): Promise<AuditEvent[]> {
  const { rows } = await tx.query<AuditRow>('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', [opts.afterSeq ?? 0, opts.limit ?? 100]);
  return rows.map(toAuditEvent);
}

/**
 * Walk the org's chain in seq order: each row must follow its predecessor without a gap, carry the
 * predecessor's hash, and hash to what it stores. Reports the id of the first row that breaks the
 * chain. Removing the newest rows leaves a shorter but valid chain; anchoring the head hash
 * elsewhere is what detects that.
 */
export async function verifyAuditChain(tx: Tx): Promise<AuditChainCheck> {
  orgOf(tx);
  const { rows } = await tx.query<{ id: string; seq: string; prev_hash: string | null; hash: string; expected: string }>(
    'SELECT a.id, a.seq, a.prev_hash, a.hash, audit_event_hash(a) AS expected FROM audit_events a ORDER BY a.seq',
  );
  let prev: string | null = null;
  let count = 0;
  for (const r of rows) {
    const broken =
      Number(r.seq) !== count + 1 ? ('sequence_gap' as const) : r.prev_hash !== prev ? ('prev_hash_mismatch' as const) : r.hash !== r.expected ? ('hash_mismatch' as const) : null;
    if (broken) return { ok: false, count, firstBrokenId: r.id, reason: broken };
    prev = r.hash;
    count += 1;
  }
  return { ok: true, count };
}

interface AuditRow {
  id: string;
  org_id: string;
  seq: string;
  actor_user_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  prev_hash: string | null;
  hash: string;
}

function toAuditEvent(r: AuditRow): AuditEvent {
  return {
    id: r.id,
    orgId: r.org_id,
    seq: Number(r.seq),
    actorUserId: r.actor_user_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    data: r.data,
    createdAt: iso(r.created_at),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

import { AppError } from '../../../../app/contracts/errors';
import { auditEntryMac, macEquals } from '../../audit/audit-mac';
import { headSignatureValid, type SignedAuditHead } from '../../audit/audit-head-file';
import type { Database, Tx } from '../database';
import { orgOf } from '../database';
import { iso } from '../row-values';

/** One entry of an org's keyed, hash-chained, append-only audit trail (migrations 0005, 0014; docs/decisions/016). */
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

export type AuditBreak =
  /** This row's content no longer matches its keyed hash (edited, or written without the key). */
  | 'hash_mismatch'
  /** This row does not carry the previous row's hash. */
  | 'prev_hash_mismatch'
  /** The row with this seq is missing (deleted); brokenId is the next row still present. */
  | 'row_deleted'
  /** The rows from this seq on are missing: the chain ends before the checkpointed head. */
  | 'truncated'
  /** The row at the checkpointed seq is not the checkpointed entry. */
  | 'checkpoint_mismatch'
  /** No checkpoint although the chain has keyed entries, or one whose signature does not verify. */
  | 'checkpoint_missing'
  | 'checkpoint_invalid'
  /** An unkeyed entry after keyed ones: nobody with the key wrote it. */
  | 'unkeyed_entry'
  /** The data key this row names is gone (crypto-shredded) or unavailable. */
  | 'key_unavailable';

export type AuditChainCheck =
  | { ok: true; count: number; headHash: string | null; checkpointSeq: number | null }
  | { ok: false; count: number; brokenSeq: number; brokenId: string | null; reason: AuditBreak };

const lockOf = (orgId: string) => `audit_events:${orgId}`;

/**
 * Append under the org's chain lock: the entry links to the current head and carries an HMAC the
 * database could not have computed. After the commit, the head checkpoint (if this handle has one)
 * is advanced.
 */
export async function appendAuditEvent(tx: Tx, input: NewAuditEvent): Promise<AuditEvent> {
  const orgId = orgOf(tx);
  if (!tx.keys) throw new AppError('internal', 'This database handle has no data keys (createDatabase(url, { keys })): audit entries cannot be keyed');
  const key = await tx.keys.current(tx);
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockOf(orgId)]);
  const { rows: last } = await tx.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  const data = JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>;
  const content = {
    orgId,
    seq: Number(last[0]?.seq ?? 0) + 1,
    prevHash: last[0]?.hash ?? null,
    actorUserId: input.actorUserId ?? null,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    data,
    createdAt: new Date().toISOString(),
  };
  const hash = auditEntryMac(key, content);
  const { rows } = await tx.query<AuditRow>(
    `INSERT INTO audit_events (org_id, seq, prev_hash, actor_user_id, action, target_type, target_id, data, created_at, hash, mac_key_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
    [orgId, content.seq, content.prevHash, content.actorUserId, content.action, content.targetType, content.targetId, JSON.stringify(data), content.createdAt, hash, key.id],
  );
  if (tx.auditHeads) {
    tx.afterCommit(async (db) => {
      await checkpointAuditHead(db, orgId);
    });
  }
  return toAuditEvent(rows[0]!);
}

/**
 * Write the org's current chain head to the checkpoint, under the chain lock (so checkpoints from
 * several processes never go backwards). A checkpoint whose entry is no longer in the chain is kept
 * as evidence, not overwritten.
 */
export async function checkpointAuditHead(db: Database, orgId: string): Promise<SignedAuditHead | null> {
  return db.withOrg(orgId, async (tx) => {
    if (!tx.auditHeads || !tx.keys) return null;
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockOf(orgId)]);
    const { rows } = await tx.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    if (!rows[0]) return null;
    const seq = Number(rows[0].seq);
    const previous = await tx.auditHeads.read(orgId);
    if (previous) {
      if (previous.seq >= seq) return previous;
      const at = await tx.query<{ hash: string }>('SELECT hash FROM audit_events WHERE seq = $1', [previous.seq]);
      if (at.rows[0]?.hash !== previous.hash) {
        throw new AppError('audit.chain_broken', `The audit checkpoint of org ${orgId} (seq ${previous.seq}) is no longer in the chain: kept as evidence, run feedback audit verify`);
      }
    }
    return tx.auditHeads.write({ orgId, seq, hash: rows[0].hash, checkpointedAt: new Date().toISOString() }, await tx.keys.current(tx));
  });
}

export async function listAuditEvents(tx: Tx, opts: { afterSeq?: number; limit?: number } = {}): Promise<AuditEvent[]> {
  const { rows } = await tx.query<AuditRow>('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', [opts.afterSeq ?? 0, opts.limit ?? 100]);
  return rows.map(toAuditEvent);
}

const PAGE = 1000;

/**
 * Walk the org's chain in seq order, in the application: each row must follow its predecessor
 * without a gap, carry its hash, and its keyed hash must verify (rows from before the keyed chain:
 * the database's unkeyed sha256). Then the chain must reach the checkpointed head outside the
 * database (when the handle has a checkpoint store). Reports the exact row that breaks it.
 */
export async function verifyAuditChain(tx: Tx): Promise<AuditChainCheck> {
  const orgId = orgOf(tx);
  let prev: string | null = null;
  let count = 0;
  let keyed = false;
  for (;;) {
    const { rows } = await tx.query<AuditRow & { legacy_expected: string | null }>(
      'SELECT a.*, CASE WHEN a.mac_key_id IS NULL THEN audit_event_hash(a) END AS legacy_expected FROM audit_events a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2',
      [count, PAGE],
    );
    for (const r of rows) {
      const seq = Number(r.seq);
      const broken = (reason: AuditBreak, at = seq): AuditChainCheck => ({ ok: false, count, brokenSeq: at, brokenId: r.id, reason });
      if (seq !== count + 1) return broken('row_deleted', count + 1);
      if (r.prev_hash !== prev) return broken('prev_hash_mismatch');
      if (r.mac_key_id === null) {
        if (keyed) return broken('unkeyed_entry');
        if (r.hash !== r.legacy_expected) return broken('hash_mismatch');
      } else {
        keyed = true;
        if (!tx.keys) throw new AppError('internal', 'Verifying the keyed audit chain needs the data keys (createDatabase(url, { keys }))');
        let key;
        try {
          key = await tx.keys.byId(tx, r.mac_key_id);
        } catch {
          return broken('key_unavailable');
        }
        const e = toAuditEvent(r);
        if (!macEquals(auditEntryMac(key, e), r.hash)) return broken('hash_mismatch');
      }
      prev = r.hash;
      count += 1;
    }
    if (rows.length < PAGE) break;
  }
  let checkpointSeq: number | null = null;
  if (tx.auditHeads) {
    const head = await tx.auditHeads.read(orgId);
    if (!head) {
      if (keyed) return { ok: false, count, brokenSeq: count, brokenId: null, reason: 'checkpoint_missing' };
    } else {
      let valid = false;
      try {
        valid = headSignatureValid(head, await tx.keys!.byId(tx, head.keyId));
      } catch {
        valid = false;
      }
      if (!valid) return { ok: false, count, brokenSeq: head.seq, brokenId: null, reason: 'checkpoint_invalid' };
      if (head.seq > count) return { ok: false, count, brokenSeq: count + 1, brokenId: null, reason: 'truncated' };
      const { rows } = await tx.query<{ id: string; hash: string }>('SELECT id, hash FROM audit_events WHERE seq = $1', [head.seq]);
      if (rows[0]?.hash !== head.hash) return { ok: false, count, brokenSeq: head.seq, brokenId: rows[0]?.id ?? null, reason: 'checkpoint_mismatch' };
      checkpointSeq = head.seq;
    }
  }
  return { ok: true, count, headHash: prev, checkpointSeq };
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
  mac_key_id: string | null;
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

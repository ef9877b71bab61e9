import { AppError } from '../../../app/contracts/errors';
import type { SignedAuditHead } from '../audit/audit-head-file';
import type { Database } from '../db/database';

/**
 * The gateway trail's hashes are computed by the database (migration 0007; the call's audit row is
 * written in the same statement as its budget settle, migration 0009), so a superuser could edit a
 * row and re-hash every later one. The head of the trail is therefore checkpointed outside the
 * database after each call, signed with a key derived from the org's data key (which the database
 * holds only wrapped): a re-hashed chain no longer reaches the signed head, a truncated one ends
 * before it (docs/decisions/016).
 */
export async function checkpointGatewayAuditHead(db: Database, orgId: string): Promise<SignedAuditHead | null> {
  return db.withOrg(orgId, async (tx) => {
    if (!tx.auditHeads || !tx.keys) return null;
    // The trail's own insert trigger takes this lock (migration 0007), so checkpoints never go backwards.
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`ai_gateway_audit:${orgId}`]);
    const { rows } = await tx.query<{ seq: string; hash: string }>('SELECT seq, hash FROM ai_gateway_audit ORDER BY seq DESC LIMIT 1');
    if (!rows[0]) return null;
    const seq = Number(rows[0].seq);
    const previous = await tx.auditHeads.read(orgId, 'gateway');
    if (previous) {
      if (previous.seq >= seq) return previous;
      const at = await tx.query<{ hash: string }>('SELECT hash FROM ai_gateway_audit WHERE seq = $1', [previous.seq]);
      if (at.rows[0]?.hash !== previous.hash) {
        throw new AppError('audit.chain_broken', `The gateway audit checkpoint of org ${orgId} (seq ${previous.seq}) is no longer in the chain: kept as evidence, run feedback audit verify`);
      }
    }
    return tx.auditHeads.write({ orgId, seq, hash: rows[0].hash, checkpointedAt: new Date().toISOString() }, await tx.keys.current(tx), 'gateway');
  });
}

interface Lane {
  /** A pass that has not started yet: a row committed now is covered by it. */
  queued: Promise<void> | null;
  tail: Promise<void>;
}

const lanes = new WeakMap<Database, Map<string, Lane>>();

/**
 * Checkpoint the org's gateway head so that it covers every call finished so far. Passes of one
 * org run one after another; callers arriving while a pass waits to start share it.
 */
export function scheduleGatewayHeadCheckpoint(db: Database, orgId: string): Promise<void> {
  let byOrg = lanes.get(db);
  if (!byOrg) lanes.set(db, (byOrg = new Map()));
  let lane = byOrg.get(orgId);
  if (!lane) byOrg.set(orgId, (lane = { queued: null, tail: Promise.resolve() }));
  if (lane.queued) return lane.queued;
  const l = lane;
  const pass = l.tail
    .catch(() => undefined)
    .then(async () => {
      l.queued = null;
      await checkpointGatewayAuditHead(db, orgId);
    });
  l.queued = pass;
  l.tail = pass;
  return pass;
}

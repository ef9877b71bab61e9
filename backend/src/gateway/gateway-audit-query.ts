import type { Tx } from '../db/database';
import { orgOf } from '../db/database';
import { int } from '../db/row-values';
import { toRecord, type GatewayAuditRecord, type GatewayAuditRow } from './gateway-audit';

/** Filters over the org's gateway audit trail; every given field narrows (AND). */
export interface GatewayAuditFilter {
  /** Inclusive lower bound on created_at. */
  from?: Date;
  /** Exclusive upper bound on created_at. */
  to?: Date;
  purpose?: string;
  sessionId?: string;
  userId?: string;
  outcome?: string;
  model?: string;
}

export interface GatewayAuditPageRequest {
  /** Keyset cursor: records with seq greater than this (0 = from the start). */
  afterSeq?: number;
  /** Records with seq at most this: an export pins the head it started from. */
  upToSeq?: number;
  limit: number;
}

/**
 * One page of the matching records in seq order. Keyset pagination on (org_id, seq), unique and
 * indexed: a page costs the same however deep it is, and appends never shift a cursor.
 */
export async function queryGatewayAudit(tx: Tx, filter: GatewayAuditFilter, page: GatewayAuditPageRequest): Promise<GatewayAuditRecord[]> {
  orgOf(tx);
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    values.push(v);
    where.push(sql.replace('?', `$${values.length}`));
  };
  add('seq > ?', page.afterSeq ?? 0);
  if (page.upToSeq !== undefined) add('seq <= ?', page.upToSeq);
  if (filter.from) add('created_at >= ?', filter.from);
  if (filter.to) add('created_at < ?', filter.to);
  if (filter.purpose !== undefined) add('purpose = ?', filter.purpose);
  if (filter.sessionId !== undefined) add('session_id = ?::uuid', filter.sessionId);
  if (filter.userId !== undefined) add('user_id = ?::uuid', filter.userId);
  if (filter.outcome !== undefined) add('outcome = ?', filter.outcome);
  if (filter.model !== undefined) add('model = ?', filter.model);
  values.push(page.limit);
  const { rows } = await tx.query<GatewayAuditRow>(`SELECT * FROM ai_gateway_audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${values.length}`, values);
  return rows.map(toRecord);
}

/** The highest seq of the org's trail (0 when empty). */
export async function gatewayAuditHeadSeq(tx: Tx): Promise<number> {
  orgOf(tx);
  const { rows } = await tx.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM ai_gateway_audit');
  return int(rows[0]?.seq ?? 0);
}


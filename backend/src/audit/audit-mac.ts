import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { DataKey } from '../crypto/data-keys';

/**
 * The keyed audit chain (docs/decisions/016). Each entry's hash is
 *   HMAC-SHA256(chainKey, canonical JSON of { v, orgId, seq, prevHash, actorUserId, action, targetType, targetId, data, createdAt })
 * computed and checked by the application. chainKey is derived (HKDF-SHA256) from the org's data
 * key, which the database stores only wrapped by the KeyProvider's key-encryption key: whoever can
 * write the database but not unwrap that key cannot forge or re-hash an entry.
 */
export const AUDIT_MAC_VERSION = 1;

export interface AuditEntryContent {
  orgId: string;
  seq: number;
  prevHash: string | null;
  actorUserId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: unknown;
  /** ISO 8601 UTC with milliseconds. */
  createdAt: string;
}

function derive(key: DataKey, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key.key, Buffer.from(key.orgId), Buffer.from(info), 32));
}

export const chainKeyOf = (key: DataKey) => derive(key, 'feedback-evaluation audit chain v1');
export const headKeyOf = (key: DataKey) => derive(key, 'feedback-evaluation audit head v1');

export function auditEntryMac(key: DataKey, e: AuditEntryContent): string {
  const body = canonicalJson({ v: AUDIT_MAC_VERSION, orgId: e.orgId, seq: e.seq, prevHash: e.prevHash, actorUserId: e.actorUserId, action: e.action, targetType: e.targetType, targetId: e.targetId, data: e.data, createdAt: e.createdAt });
  return createHmac('sha256', chainKeyOf(key)).update(body, 'utf8').digest('hex');
}

export function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * JSON with object keys sorted at every level, so the text does not depend on key order (jsonb
 * returns keys in its own order). Values are first passed through JSON, exactly as they are stored.
 */
export function canonicalJson(value: unknown): string {
  return write(JSON.parse(JSON.stringify(value ?? null)) as unknown);
}

function write(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${write(o[k])}`)
    .join(',')}}`;
}

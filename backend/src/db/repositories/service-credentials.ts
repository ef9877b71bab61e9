import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../../../app/contracts/errors';
import type { Database } from '../database';
import { iso, isoOrNull } from '../row-values';

/** A workload credential of the AI gateway (migration 0008); the secret itself is never stored. */
export interface ServiceCredential {
  id: string;
  orgId: string;
  name: string;
  /** Purposes it may call for; null = any. */
  purposes: string[] | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** What the gateway learns from a live secret. */
export interface ResolvedServiceCredential {
  credentialId: string;
  orgId: string;
  name: string;
  purposes: string[] | null;
  expiresAt: string;
}

/** Lifetime of a credential minted without one: a forgotten integration stops working rather than holding a key forever. */
export const DEFAULT_SERVICE_CREDENTIAL_TTL_SEC = 90 * 24 * 3600;

export interface MintInput {
  name: string;
  purposes?: string[] | null;
  /** Lifetime in seconds; omitted = DEFAULT_SERVICE_CREDENTIAL_TTL_SEC. Every credential expires. */
  ttlSec?: number;
}

const SECRET = /^fegw_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export function secretSha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * A new credential for the org. The returned secret (`fegw_<id hex>_<256 random bits>`) is shown
 * this once; only its sha256 is kept.
 */
export async function mintServiceCredential(db: Database, orgId: string, input: MintInput): Promise<{ id: string; secret: string; credential: ServiceCredential }> {
  if (!input.name.trim()) throw new AppError('request.invalid', 'A service credential needs a name');
  if (input.purposes && (input.purposes.length === 0 || input.purposes.some((p) => !p.trim()))) {
    throw new AppError('request.invalid', 'purposes is a non-empty list of purpose names, or null for any purpose');
  }
  if (input.ttlSec !== undefined && !(Number.isSafeInteger(input.ttlSec) && input.ttlSec > 0)) throw new AppError('request.invalid', 'ttlSec must be a positive integer');
  const id = randomUUID();
  const secret = `fegw_${id.replace(/-/g, '')}_${randomBytes(32).toString('base64url')}`;
  const credential = await db.withOrg(orgId, async (tx) => {
    const { rows } = await tx.query<CredentialRow>(
      `INSERT INTO ai_service_credentials (id, org_id, name, secret_sha256, purposes, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::int))
       RETURNING *`,
      [id, orgId, input.name.trim(), secretSha256(secret), input.purposes ?? null, input.ttlSec ?? DEFAULT_SERVICE_CREDENTIAL_TTL_SEC],
    );
    return toCredential(rows[0]!);
  });
  return { id, secret, credential };
}

/**
 * The live credential a secret names, or null (unknown, malformed, revoked or expired). This is
 * a lookup across orgs, done by the SECURITY DEFINER function resolve_ai_service_credential.
 */
export async function resolveServiceCredential(db: Database, secret: string): Promise<ResolvedServiceCredential | null> {
  // A malformed secret cannot match: skip the round trip.
  if (!SECRET.test(secret)) return null;
  return db.withoutOrg(async (tx) => {
    const { rows } = await tx.query<{ credential_id: string; org_id: string; name: string; purposes: string[] | null; expires_at: Date }>(
      'SELECT * FROM resolve_ai_service_credential($1)',
      [secretSha256(secret)],
    );
    const r = rows[0];
    return r ? { credentialId: r.credential_id, orgId: r.org_id, name: r.name, purposes: r.purposes, expiresAt: iso(r.expires_at) } : null;
  });
}

/** Revoking twice keeps the first instant; false when the org has no such credential. */
export async function revokeServiceCredential(db: Database, orgId: string, id: string): Promise<boolean> {
  return db.withOrg(orgId, async (tx) => {
    const { rowCount } = await tx.query('UPDATE ai_service_credentials SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1', [id]);
    return rowCount > 0;
  });
}

export async function listServiceCredentials(db: Database, orgId: string): Promise<ServiceCredential[]> {
  return db.withOrg(orgId, async (tx) => {
    const { rows } = await tx.query<CredentialRow>('SELECT * FROM ai_service_credentials ORDER BY created_at, id');
    return rows.map(toCredential);
  });
}

interface CredentialRow {
  id: string;
  org_id: string;
  name: string;
  purposes: string[] | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

function toCredential(r: CredentialRow): ServiceCredential {
  return { id: r.id, orgId: r.org_id, name: r.name, purposes: r.purposes, createdAt: iso(r.created_at), expiresAt: iso(r.expires_at), revokedAt: isoOrNull(r.revoked_at) };
}

import type { Database } from '../db/database';
import { mintServiceCredential } from '../db/repositories/service-credentials';

/**
 * Per-org gateway credentials for a worker process. A worker serves every org, so it mints a
 * short-lived workload credential for an org on first use (only its sha256 reaches the database),
 * keeps the secret in memory and mints a fresh one before it expires. A crashed worker's
 * credentials simply expire.
 */
export interface WorkerCredentials {
  forOrg(orgId: string): Promise<string>;
}

export function createWorkerCredentials(db: Database, opts: { name: string; ttlSec?: number; purposes?: string[] }): WorkerCredentials {
  const ttlSec = opts.ttlSec ?? 12 * 3600;
  const cache = new Map<string, { secret: Promise<string>; renewAt: number }>();
  return {
    forOrg(orgId) {
      const hit = cache.get(orgId);
      if (hit && Date.now() < hit.renewAt) return hit.secret;
      const secret = mintServiceCredential(db, orgId, { name: opts.name, ttlSec, purposes: opts.purposes ?? null }).then((c) => c.secret);
      // Renew at 3/4 of the lifetime so an activity never starts with a credential about to lapse.
      cache.set(orgId, { secret, renewAt: Date.now() + ttlSec * 750 });
      secret.catch(() => cache.delete(orgId));
      return secret;
    },
  };
}

import type { Tx } from '../database';
import { orgOf } from '../database';

/** The org's own desktop session lifetimes, in seconds; null: the deployment's default. */
export interface OrgSessionLifetimes {
  accessTtlSec: number | null;
  refreshIdleSec: number | null;
  refreshAbsoluteSec: number | null;
}

export async function getOrgSessionLifetimes(tx: Tx): Promise<OrgSessionLifetimes> {
  const { rows } = await tx.query<{ access_ttl_sec: number | null; refresh_idle_sec: number | null; refresh_absolute_sec: number | null }>('SELECT access_ttl_sec, refresh_idle_sec, refresh_absolute_sec FROM org_session_lifetimes');
  const r = rows[0];
  return { accessTtlSec: r?.access_ttl_sec ?? null, refreshIdleSec: r?.refresh_idle_sec ?? null, refreshAbsoluteSec: r?.refresh_absolute_sec ?? null };
}

/** Replaces the org's lifetimes as a whole (a null goes back to the default). */
export async function setOrgSessionLifetimes(tx: Tx, l: OrgSessionLifetimes): Promise<void> {
  await tx.query(
    `INSERT INTO org_session_lifetimes (org_id, access_ttl_sec, refresh_idle_sec, refresh_absolute_sec) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id) DO UPDATE SET access_ttl_sec = EXCLUDED.access_ttl_sec, refresh_idle_sec = EXCLUDED.refresh_idle_sec, refresh_absolute_sec = EXCLUDED.refresh_absolute_sec, updated_at = now()`,
    [orgOf(tx), l.accessTtlSec, l.refreshIdleSec, l.refreshAbsoluteSec],
  );
}

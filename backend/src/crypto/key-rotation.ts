import pg from 'pg';
import { AppError } from '../../../app/contracts/errors';
import type { Database } from '../db/database';
import { wrappedOf, type DataKeyRow } from './data-keys';
import type { KeyProvider } from './key-provider';

/**
 * Key rotation re-wraps: each org's data key is unwrapped with the KEK version that wrapped it and
 * wrapped again under the provider's current version. The data sealed with the data keys is not
 * touched, so a rotation costs one unwrap and one wrap per org, whatever the amount of data.
 */
export interface RewrapResult {
  rewrapped: number;
  alreadyCurrent: number;
  current: { kekId: string; kekVersion: string };
}


/**
 * Every org's id. The one cross-org read of the key commands: the URL's user must be a superuser
 * or a member of fe_identity_resolver (which may read orgs and nothing else).
 */
export async function listOrgIds(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'feedback-keys' });
  await client.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query('SET LOCAL ROLE fe_identity_resolver');
    const { rows } = await client.query<{ id: string }>('SELECT id FROM orgs ORDER BY id');
    await client.query('COMMIT');
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

/**
 * Re-wraps every data key of the given orgs that is not wrapped by `provider`'s current KEK
 * version. Keys wrapped by another provider (moving from the key file to Key Vault) are unwrapped
 * by `previous`. Each org in its own transaction, rows locked while re-wrapped.
 */
export async function rewrapDataKeys(db: Database, orgIds: string[], opts: { provider: KeyProvider; previous?: KeyProvider; log?: (m: string) => void }): Promise<RewrapResult> {
  const current = await opts.provider.current();
  let rewrapped = 0;
  let alreadyCurrent = 0;
  for (const orgId of orgIds) {
    await db.withOrg(orgId, async (tx) => {
      const { rows } = await tx.query<DataKeyRow>('SELECT * FROM data_keys ORDER BY created_at, id FOR UPDATE');
      for (const r of rows) {
        if (r.kek_provider === opts.provider.kind && r.kek_id === current.kekId && r.kek_version === current.kekVersion) {
          alreadyCurrent++;
          continue;
        }
        const from = r.kek_provider === opts.provider.kind ? opts.provider : opts.previous?.kind === r.kek_provider ? opts.previous : undefined;
        if (!from) throw new AppError('crypto.key_unavailable', `Data key ${r.id} of org ${orgId} is wrapped by ${r.kek_provider}, and no such provider was given to unwrap it`);
        const key = await from.unwrap(wrappedOf(r));
        const w = await opts.provider.wrap(key);
        key.fill(0);
        await tx.query(
          'UPDATE data_keys SET kek_provider = $2, kek_id = $3, kek_version = $4, algorithm = $5, wrapped_key = $6, rewrapped_at = now() WHERE id = $1',
          [r.id, opts.provider.kind, w.kekId, w.kekVersion, w.algorithm, w.wrapped],
        );
        rewrapped++;
        opts.log?.(`org ${orgId}: data key ${r.id} re-wrapped from ${r.kek_id} v${r.kek_version} to ${w.kekId} v${w.kekVersion}`);
      }
    });
  }
  return { rewrapped, alreadyCurrent, current };
}

/** How many data keys each KEK version still wraps, over the given orgs. */
export async function kekVersionsInUse(db: Database, orgIds: string[]): Promise<Array<{ kekProvider: string; kekId: string; kekVersion: string; dataKeys: number }>> {
  const counts = new Map<string, { kekProvider: string; kekId: string; kekVersion: string; dataKeys: number }>();
  for (const orgId of orgIds) {
    const { rows } = await db.withOrg(orgId, (tx) => tx.query<{ kek_provider: string; kek_id: string; kek_version: string; n: number }>('SELECT kek_provider, kek_id, kek_version, count(*)::int AS n FROM data_keys GROUP BY 1, 2, 3'));
    for (const r of rows) {
      const k = `${r.kek_provider}\u0000${r.kek_id}\u0000${r.kek_version}`;
      const c = counts.get(k) ?? { kekProvider: r.kek_provider, kekId: r.kek_id, kekVersion: r.kek_version, dataKeys: 0 };
      c.dataKeys += r.n;
      counts.set(k, c);
    }
  }
  return [...counts.values()].sort((a, b) => a.kekId.localeCompare(b.kekId) || Number(a.kekVersion) - Number(b.kekVersion) || a.kekVersion.localeCompare(b.kekVersion));
}

import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../../app/contracts/errors';
import type { Database, Tx } from '../db/database';
import { isUuid, orgOf } from '../db/database';
import type { KeyProvider, WrappedKey } from './key-provider';

/** An unwrapped data key of one org (AES-256). */
export interface DataKey {
  id: string;
  orgId: string;
  key: Buffer;
}

/**
 * Per-org data keys (table `data_keys`): random AES-256 keys, stored only wrapped by the KEK of a
 * KeyProvider, unwrapped on first use and kept in memory for `cacheMs`. Deleting a key's row makes
 * everything sealed with it unreadable (crypto-shredding): a cached copy lives at most `cacheMs`.
 */
export interface DataKeys {
  readonly provider: KeyProvider;
  /** The org's data key (created and wrapped on first use), in the transaction's org. */
  current(tx: Tx): Promise<DataKey>;
  /** The data key a ciphertext names; `crypto.key_destroyed` when this org has no such key. */
  byId(tx: Tx, id: string): Promise<DataKey>;
  /** Same as current/byId, answered from the cache without a transaction when possible. */
  currentOf(db: Database, orgId: string): Promise<DataKey>;
  byIdOf(db: Database, orgId: string, id: string): Promise<DataKey>;
  /** Drops cached keys (all, or one org's): after a key was destroyed in this process. */
  forget(orgId?: string): void;
}

export interface DataKeyRow {
  id: string;
  org_id: string;
  kek_provider: string;
  kek_id: string;
  kek_version: string;
  algorithm: string;
  wrapped_key: Buffer;
}

export const wrappedOf = (r: Pick<DataKeyRow, 'kek_id' | 'kek_version' | 'algorithm' | 'wrapped_key'>): WrappedKey => ({ kekId: r.kek_id, kekVersion: r.kek_version, algorithm: r.algorithm, wrapped: r.wrapped_key });

export function createDataKeys(opts: { provider: KeyProvider; cacheMs?: number }): DataKeys {
  const cacheMs = opts.cacheMs ?? 5 * 60_000;
  const byIdCache = new Map<string, { key: DataKey; until: number }>();
  const currentCache = new Map<string, string>();

  function cached(id: string | undefined): DataKey | undefined {
    if (!id) return undefined;
    const hit = byIdCache.get(id);
    if (hit && hit.until > Date.now()) return hit.key;
    byIdCache.delete(id);
    return undefined;
  }

  async function unwrapRow(r: DataKeyRow): Promise<DataKey> {
    const key = await opts.provider.unwrap(wrappedOf(r));
    if (key.length !== 32) throw new AppError('crypto.key_unavailable', `Data key ${r.id} did not unwrap to 32 bytes`);
    return { id: r.id, orgId: r.org_id, key };
  }

  function remember(k: DataKey, current: boolean): DataKey {
    byIdCache.set(k.id, { key: k, until: Date.now() + cacheMs });
    if (current) currentCache.set(k.orgId, k.id);
    return k;
  }

  const keys: DataKeys = {
    provider: opts.provider,

    async current(tx) {
      const orgId = orgOf(tx);
      const hit = cached(currentCache.get(orgId));
      if (hit) return hit;
      const found = await tx.query<DataKeyRow>("SELECT * FROM data_keys WHERE scope = 'org'");
      if (found.rows[0]) return remember(await unwrapRow(found.rows[0]), true);
      const key = randomBytes(32);
      const w = await opts.provider.wrap(key);
      const id = randomUUID();
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO data_keys (id, org_id, scope, kek_provider, kek_id, kek_version, algorithm, wrapped_key)
         VALUES ($1, $2, 'org', $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
        [id, orgId, opts.provider.kind, w.kekId, w.kekVersion, w.algorithm, w.wrapped],
      );
      if (inserted.rows[0]) {
        // Not cached: this transaction may still roll back, and a cached key whose row never
        // committed would seal blobs nobody could open. The next call reads the committed row.
        return { id, orgId, key };
      }
      // Another transaction created it first (we waited on the unique index for its commit).
      const again = await tx.query<DataKeyRow>("SELECT * FROM data_keys WHERE scope = 'org'");
      if (!again.rows[0]) throw new AppError('internal', `Could not create the data key of org ${orgId}`);
      return remember(await unwrapRow(again.rows[0]), true);
    },

    async byId(tx, id) {
      const orgId = orgOf(tx);
      const hit = cached(id);
      if (hit && hit.orgId === orgId) return hit;
      if (!isUuid(id)) throw new AppError('crypto.key_destroyed', `No data key ${JSON.stringify(id)}`);
      const { rows } = await tx.query<DataKeyRow>('SELECT * FROM data_keys WHERE id = $1', [id]);
      if (!rows[0]) throw new AppError('crypto.key_destroyed', `Org ${orgId} has no data key ${id}: it was destroyed, or the value belongs to another org`);
      return remember(await unwrapRow(rows[0]), false);
    },

    async currentOf(db, orgId) {
      return cached(currentCache.get(orgId)) ?? db.withOrg(orgId, (tx) => keys.current(tx));
    },

    async byIdOf(db, orgId, id) {
      const hit = cached(id);
      if (hit && hit.orgId === orgId) return hit;
      return db.withOrg(orgId, (tx) => keys.byId(tx, id));
    },

    forget(orgId) {
      for (const [id, v] of byIdCache) if (orgId === undefined || v.key.orgId === orgId) byIdCache.delete(id);
      for (const o of [...currentCache.keys()]) if (orgId === undefined || o === orgId) currentCache.delete(o);
    },
  };
  return keys;
}

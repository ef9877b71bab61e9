import { AppError } from '../../../app/contracts/errors';
import type { Tx } from '../db/database';
import { orgOf } from '../db/database';
import { associatedData, open, seal } from './aead';

/**
 * Column values encrypted at rest (transcripts, analyses, participant names, consents, titles):
 * `0x01 ‖ data-key id (16 bytes) ‖ iv ‖ ciphertext ‖ tag` in a bytea column, sealed with the org's
 * data key and bound by associated data to the org, table, column and row, so a value copied into
 * another row, column or org fails its tag instead of being read there.
 */
export interface FieldPlace {
  table: string;
  column: string;
  /** The row's stable key (its id, or a unique natural key such as evaluation_id). */
  rowKey: string;
}

const FORMAT = 0x01;

function keysOf(tx: Tx) {
  if (!tx.keys) throw new AppError('internal', 'This database handle has no data keys (createDatabase(url, { keys })): sealed columns cannot be read or written');
  return tx.keys;
}

const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex');
const uuidOf = (b: Buffer) => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const aadOf = (orgId: string, p: FieldPlace, keyId: string) => associatedData('fe-field/1', orgId, p.table, p.column, p.rowKey, keyId);

export async function sealBytes(tx: Tx, place: FieldPlace, plain: Uint8Array): Promise<Buffer> {
  const orgId = orgOf(tx);
  const k = await keysOf(tx).current(tx);
  return Buffer.concat([Buffer.of(FORMAT), uuidBytes(k.id), seal(k.key, plain, aadOf(orgId, place, k.id))]);
}

export async function openBytes(tx: Tx, place: FieldPlace, sealed: Buffer): Promise<Buffer> {
  const orgId = orgOf(tx);
  if (sealed.length < 17 || sealed[0] !== FORMAT) throw new AppError('crypto.integrity', `${place.table}.${place.column} of ${place.rowKey} is not a sealed value`);
  const keyId = uuidOf(sealed.subarray(1, 17));
  const k = await keysOf(tx).byId(tx, keyId);
  return open(k.key, sealed.subarray(17), aadOf(orgId, place, keyId), `${place.table}.${place.column}`);
}

export const sealText = (tx: Tx, place: FieldPlace, text: string) => sealBytes(tx, place, Buffer.from(text, 'utf8'));
export const openText = async (tx: Tx, place: FieldPlace, sealed: Buffer) => (await openBytes(tx, place, sealed)).toString('utf8');
export const sealJson = (tx: Tx, place: FieldPlace, value: unknown) => sealBytes(tx, place, Buffer.from(JSON.stringify(value), 'utf8'));
export const openJson = async <T>(tx: Tx, place: FieldPlace, sealed: Buffer): Promise<T> => JSON.parse((await openBytes(tx, place, sealed)).toString('utf8')) as T;

/**
 * A value that may predate encryption: the sealed column when set, else the legacy plaintext
 * column (rows written before migration 0010 stay readable; `feedback keys seal-legacy` seals them).
 */
export async function openTextOrLegacy(tx: Tx, place: FieldPlace, sealed: Buffer | null, legacy: string | null): Promise<string> {
  if (sealed) return openText(tx, place, sealed);
  if (legacy === null) throw new AppError('internal', `${place.table}.${place.column} of ${place.rowKey} holds neither a sealed nor a plain value`);
  return legacy;
}

export async function openJsonOrLegacy<T>(tx: Tx, place: FieldPlace, sealed: Buffer | null, legacy: T | null): Promise<T> {
  if (sealed) return openJson<T>(tx, place, sealed);
  if (legacy === null) throw new AppError('internal', `${place.table}.${place.column} of ${place.rowKey} holds neither a sealed nor a plain value`);
  return legacy;
}

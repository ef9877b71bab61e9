import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../app/contracts/errors';
import type { DataKey } from '../crypto/data-keys';
import { canonicalJson, headKeyOf, macEquals } from './audit-mac';

/** The newest audit entry of an org as last seen by the app, signed with a key derived from the org's data key. */
export interface AuditHead {
  orgId: string;
  seq: number;
  hash: string;
  checkpointedAt: string;
}

/** Which trail a head belongs to: the session audit (audit_events) or the AI gateway's (ai_gateway_audit). */
export type AuditChainName = 'session' | 'gateway';

export interface SignedAuditHead extends AuditHead {
  v: 1;
  /** Present for the gateway trail only (session heads predate it and keep their signed form). */
  chain?: 'gateway';
  /** The data key (id) the signature's key was derived from. */
  keyId: string;
  mac: string;
}

/**
 * Checkpoints of each org's audit chain head kept outside the database (one small JSON file per org
 * in a folder of the data directory, written atomically), so deleting the newest audit rows is
 * detected: the chain must still reach the checkpointed entry.
 */
export interface AuditHeadStore {
  read(orgId: string, chain?: AuditChainName): Promise<SignedAuditHead | null>;
  write(head: AuditHead, key: DataKey, chain?: AuditChainName): Promise<SignedAuditHead>;
}

/** The chain's name is signed too (gateway heads), so one trail's head cannot stand in for the other's. */
export function signHead(head: AuditHead, key: DataKey, chain: AuditChainName = 'session'): SignedAuditHead {
  const unsigned = { v: 1 as const, ...(chain === 'gateway' ? { chain } : {}), orgId: head.orgId, seq: head.seq, hash: head.hash, checkpointedAt: head.checkpointedAt, keyId: key.id };
  return { ...unsigned, mac: createHmac('sha256', headKeyOf(key)).update(canonicalJson(unsigned)).digest('hex') };
}

export function headSignatureValid(h: SignedAuditHead, key: DataKey, chain: AuditChainName = 'session'): boolean {
  const named = (h.chain ?? 'session') === chain;
  return named && h.orgId === key.orgId && h.keyId === key.id && macEquals(signHead(h, key, chain).mac, h.mac);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createAuditHeadFiles(dir: string): AuditHeadStore {
  const fileOf = (orgId: string, chain: AuditChainName = 'session') => {
    if (!UUID.test(orgId)) throw new AppError('internal', `Not an org id: ${JSON.stringify(orgId)}`);
    return path.join(dir, `${orgId.toLowerCase()}${chain === 'gateway' ? '.gateway' : ''}.json`);
  };
  return {
    async read(orgId, chain) {
      let text: string;
      try {
        text = await readFile(fileOf(orgId, chain), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
      return JSON.parse(text) as SignedAuditHead;
    },
    async write(head, key, chain) {
      const signed = signHead(head, key, chain);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${fileOf(head.orgId, chain)}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, JSON.stringify(signed, null, 2) + '\n', { mode: 0o600 });
      await rename(tmp, fileOf(head.orgId, chain));
      return signed;
    },
  };
}

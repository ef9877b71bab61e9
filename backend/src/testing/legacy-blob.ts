import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BlobRef } from '../blobs/blob-store';

/**
 * A blob exactly as the store wrote it before per-org data keys ("FEB1": a random key per blob,
 * wrapped by the one master key, no associated data), for the tests that prove old deployments
 * stay readable and are migrated.
 */
export async function writeLegacyBlob(rootDir: string, orgId: string, key: string, data: Uint8Array, masterKey: Buffer): Promise<BlobRef> {
  const dataKey = randomBytes(32);
  const wrapIv = randomBytes(12);
  const w = createCipheriv('aes-256-gcm', masterKey, wrapIv);
  const wrapped = Buffer.concat([w.update(dataKey), w.final()]);
  const iv = randomBytes(12);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const header = { alg: 'A256GCM', wrappedKey: wrapped.toString('base64'), wrapIv: wrapIv.toString('base64'), wrapTag: w.getAuthTag().toString('base64'), iv: iv.toString('base64'), sha256, bytes: data.byteLength };
  const hb = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(hb.length);
  const c = createCipheriv('aes-256-gcm', dataKey, iv);
  const body = Buffer.concat([c.update(data), c.final()]);
  const file = path.join(rootDir, orgId, key);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, Buffer.concat([Buffer.from('FEB1'), len, hb, body, c.getAuthTag()]), { mode: 0o600 });
  return { uri: `local-blob://${orgId}/${key}`, sha256, bytes: data.byteLength };
}

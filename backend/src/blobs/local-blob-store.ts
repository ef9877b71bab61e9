import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, isAppError } from '../../../app/contracts/errors';
import type { BlobRef, BlobStore } from './blob-store';
import { blobUriOf, keyInOrg, parseBlobUri } from './blob-uri';
import { associatedData, TAG_BYTES } from '../crypto/aead';
import type { DataKey, DataKeys } from '../crypto/data-keys';
import type { Database } from '../db/database';
import { digestFile } from '../../../files/file-digest';

/** Before per-org keys: per-blob keys wrapped by one master key, no associated data (read only). */
const MAGIC_V1 = Buffer.from('FEB1');
/** Per-org data key; org, key and header bound as associated data. */
const MAGIC_V2 = Buffer.from('FEB2');

interface HeaderV1 {
  alg: 'A256GCM';
  wrappedKey: string;
  wrapIv: string;
  wrapTag: string;
  iv: string;
  sha256: string;
  bytes: number;
}

interface HeaderV2 {
  alg: 'A256GCM';
  /** The org data key (table data_keys) this blob is sealed with. */
  dataKey: string;
  iv: string;
  sha256: string;
  bytes: number;
}

/** How the blob store reaches the org data keys. */
export interface BlobKeys {
  current(orgId: string): Promise<DataKey>;
  byId(orgId: string, id: string): Promise<DataKey>;
}

export const blobKeysOf = (db: Database, keys: DataKeys): BlobKeys => ({
  current: (orgId) => keys.currentOf(db, orgId),
  byId: (orgId, id) => keys.byIdOf(db, orgId, id),
});

export interface LocalBlobStore extends BlobStore {
  /** Re-encrypts every blob still in the old single-master-key format under its org's data key; the sha256 and URI stay. */
  sealLegacy(log?: (m: string) => void): Promise<{ upgraded: number; current: number }>;
}

/**
 * Local folder blob store. File layout: "FEB2" | u32 header length | header JSON | ciphertext |
 * 16-byte tag, AES-256-GCM with the org's data key and associated data (org, key, header), so a blob
 * file copied under another org or name fails its tag. Writes go to a temp file (mode 600) and are
 * renamed, so a crash never leaves a half blob under a valid name. "FEB1" files (one master key for
 * every org) are still read when `legacyMasterKey` is given; new writes are always FEB2.
 */
export function createLocalBlobStore(opts: { rootDir: string; keys: BlobKeys; legacyMasterKey?: Buffer }): LocalBlobStore {
  if (opts.legacyMasterKey && opts.legacyMasterKey.length !== 32) throw new AppError('config.invalid', 'The legacy blob master key must be 32 bytes');
  const root = path.resolve(opts.rootDir);

  function fileOf(orgId: string, key: string): string {
    const full = path.resolve(root, orgId, key);
    if (!full.startsWith(root + path.sep)) throw new AppError('request.invalid', `Blob ${orgId}/${key} escapes the store`);
    return full;
  }

  const aadV2 = (orgId: string, key: string, headerJson: string) => associatedData('fe-blob/2', orgId, key, headerJson);

  async function writeEncrypted(orgId: string, key: string, source: () => AsyncIterable<Buffer> | NodeJS.ReadableStream, sha256: string, bytes: number): Promise<void> {
    const dest = fileOf(orgId, key);
    await mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
    const dk = await opts.keys.current(orgId);
    const iv = randomBytes(12);
    const header: HeaderV2 = { alg: 'A256GCM', dataKey: dk.id, iv: iv.toString('base64'), sha256, bytes };
    const headerJson = JSON.stringify(header);
    const headerBuf = Buffer.from(headerJson);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(headerBuf.length);
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const out = createWriteStream(tmp, { mode: 0o600 });
    out.write(Buffer.concat([MAGIC_V2, len, headerBuf]));
    const cipher = createCipheriv('aes-256-gcm', dk.key, iv);
    cipher.setAAD(aadV2(orgId, key, headerJson));
    try {
      await pipeline(source() as NodeJS.ReadableStream, cipher, out, { end: false });
      await new Promise<void>((resolve, reject) => out.end(cipher.getAuthTag(), (e?: Error | null) => (e ? reject(e) : resolve())));
      await rename(tmp, dest);
    } catch (e) {
      out.destroy();
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async function readHeader(file: string): Promise<{ version: 1; header: HeaderV1; headerJson: string; dataStart: number; size: number } | { version: 2; header: HeaderV2; headerJson: string; dataStart: number; size: number }> {
    const fh = await open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      const pre = Buffer.alloc(8);
      await fh.read(pre, 0, 8, 0);
      const magic = pre.subarray(0, 4);
      const version = magic.equals(MAGIC_V2) ? 2 : magic.equals(MAGIC_V1) ? 1 : 0;
      if (version === 0) throw new AppError('blob.corrupt', `Blob ${file} has no valid header`);
      const hl = pre.readUInt32BE(4);
      if (hl > 64 * 1024 || 8 + hl + TAG_BYTES > size) throw new AppError('blob.corrupt', `Blob ${file} has a damaged header`);
      const hb = Buffer.alloc(hl);
      await fh.read(hb, 0, hl, 8);
      const headerJson = hb.toString();
      const header = JSON.parse(headerJson) as HeaderV1 & HeaderV2;
      return version === 2 ? { version, header, headerJson, dataStart: 8 + hl, size } : { version, header, headerJson, dataStart: 8 + hl, size };
    } finally {
      await fh.close();
    }
  }

  function legacyDataKey(h: HeaderV1): Buffer {
    if (!opts.legacyMasterKey) throw new AppError('crypto.key_unavailable', 'This blob was written with the old single master key, and none is configured (FE_BLOB_MASTER_KEY or <data>/keys/blob-master.key)');
    const d = createDecipheriv('aes-256-gcm', opts.legacyMasterKey, Buffer.from(h.wrapIv, 'base64'));
    d.setAuthTag(Buffer.from(h.wrapTag, 'base64'));
    try {
      return Buffer.concat([d.update(Buffer.from(h.wrappedKey, 'base64')), d.final()]);
    } catch (cause) {
      throw new AppError('blob.corrupt', 'A legacy blob key failed its integrity check (another master key?)', { cause });
    }
  }

  async function decryptTo(orgId: string, ref: BlobRef, sink: NodeJS.WritableStream): Promise<void> {
    // The org check comes first: a foreign reference never opens a file.
    const key = keyInOrg(orgId, ref.uri);
    const file = fileOf(orgId, key);
    const r = await readHeader(file).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('blob.corrupt', `Blob ${ref.uri} is missing from the store`);
      throw e;
    });
    const fh = await open(file, 'r');
    const tag = Buffer.alloc(TAG_BYTES);
    await fh.read(tag, 0, TAG_BYTES, r.size - TAG_BYTES);
    await fh.close();
    let d;
    if (r.version === 2) {
      const dk = await opts.keys.byId(orgId, r.header.dataKey);
      d = createDecipheriv('aes-256-gcm', dk.key, Buffer.from(r.header.iv, 'base64'));
      d.setAAD(aadV2(orgId, key, r.headerJson));
    } else {
      d = createDecipheriv('aes-256-gcm', legacyDataKey(r.header), Buffer.from(r.header.iv, 'base64'));
    }
    d.setAuthTag(tag);
    const h = createHash('sha256');
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        h.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(createReadStream(file, { start: r.dataStart, end: r.size - TAG_BYTES - 1 }), d, hasher, sink);
    } catch (e) {
      if (isAppError(e)) throw e;
      throw new AppError('blob.corrupt', `Blob ${ref.uri} failed its integrity check (tampered, truncated, or moved from another org or name)`, { cause: e });
    }
    const got = h.digest('hex');
    if (got !== ref.sha256) throw new AppError('blob.corrupt', `Blob ${ref.uri} sha256 ${got} does not match the reference ${ref.sha256}`);
  }

  async function getBytes(orgId: string, ref: BlobRef): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    await decryptTo(orgId, ref, new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } }));
    return new Uint8Array(Buffer.concat(chunks));
  }

  async function putBytes(orgId: string, key: string, data: Uint8Array): Promise<BlobRef> {
    const uri = blobUriOf(orgId, key);
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const sha256 = createHash('sha256').update(buf).digest('hex');
    async function* one() {
      yield buf;
    }
    await writeEncrypted(orgId, key, one, sha256, buf.length);
    return { uri, sha256, bytes: buf.length };
  }

  async function* walk(dir: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) yield* walk(full);
      else if (e.isFile() && !e.name.endsWith('.tmp')) yield full;
    }
  }

  return {
    async putFile(orgId, key, srcPath) {
      const uri = blobUriOf(orgId, key);
      const { sha256, bytes } = await digestFile(srcPath);
      await writeEncrypted(orgId, key, () => createReadStream(srcPath), sha256, bytes);
      return { uri, sha256, bytes };
    },
    putBytes,
    getBytes,
    async getToFile(orgId, ref, destPath) {
      keyInOrg(orgId, ref.uri);
      await mkdir(path.dirname(destPath), { recursive: true });
      const tmp = `${destPath}.tmp`;
      try {
        await decryptTo(orgId, ref, createWriteStream(tmp, { mode: 0o600 }));
        await rename(tmp, destPath);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
    async head(orgId, key) {
      const uri = blobUriOf(orgId, key);
      try {
        const { header } = await readHeader(fileOf(orgId, key));
        return { uri, sha256: header.sha256, bytes: header.bytes };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async exists(orgId, uri) {
      const key = keyInOrg(orgId, uri);
      return stat(fileOf(orgId, key)).then(() => true, () => false);
    },
    async remove(orgId, uri) {
      await rm(fileOf(orgId, keyInOrg(orgId, uri)), { force: true });
    },
    async removeFolder(orgId, folder, o = {}) {
      const dir = fileOf(orgId, folder);
      if (!o.except?.length) return rm(dir, { recursive: true, force: true });
      const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
      await Promise.all(names.filter((n) => !o.except!.includes(n)).map((n) => rm(path.join(dir, n), { recursive: true, force: true })));
    },
    async sealLegacy(log) {
      let upgraded = 0;
      let current = 0;
      for await (const file of walk(root)) {
        const rel = path.relative(root, file).split(path.sep).join('/');
        const { orgId, key } = parseBlobUri(`local-blob://${rel}`);
        const pre = Buffer.alloc(4);
        const fh = await open(file, 'r');
        await fh.read(pre, 0, 4, 0);
        await fh.close();
        if (!pre.equals(MAGIC_V1)) {
          current++;
          continue;
        }
        const { header } = await readHeader(file);
        const ref = { uri: blobUriOf(orgId, key), sha256: header.sha256, bytes: header.bytes };
        // Streamed through a private temp file (recordings can be large), never left behind.
        const plain = `${file}.${randomBytes(4).toString('hex')}.plain.tmp`;
        try {
          await this.getToFile(orgId, ref, plain);
          await this.putFile(orgId, key, plain);
        } finally {
          await rm(plain, { force: true });
        }
        upgraded++;
        log?.(`sealed ${ref.uri} under the org's data key`);
      }
      return { upgraded, current };
    },
  };
}

/** The old single master key, if this deployment has one: FE_BLOB_MASTER_KEY, else the key file it used to create. Never created any more. */
export async function loadLegacyMasterKey(opts: { configured?: string; keyFile: string }): Promise<Buffer | undefined> {
  if (opts.configured) return Buffer.from(opts.configured, 'base64');
  try {
    const k = Buffer.from((await readFile(opts.keyFile, 'utf8')).trim(), 'base64');
    if (k.length === 32) return k;
    throw new AppError('config.invalid', `Key file ${opts.keyFile} does not hold a 32-byte base64 key`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../app/contracts/errors';
import type { BlobRef, BlobStore } from './blob-store';
import { digestFile } from '../file-digest';

const MAGIC = Buffer.from('FEB1');
const TAG_LEN = 16;

interface Header {
  alg: 'A256GCM';
  /** The per-blob data key, wrapped (AES-256-GCM) with the master key. */
  wrappedKey: string;
  wrapIv: string;
  wrapTag: string;
  iv: string;
  sha256: string;
  bytes: number;
}

/**
 * Local folder blob store with envelope encryption: each blob gets a random AES-256-GCM data key,
 * itself wrapped by the master key. File layout: "FEB1" | u32 header length | header JSON |
 * ciphertext | 16-byte tag. Writes go to a temp file and are renamed, so a crash never leaves a
 * half blob under a valid name.
 */
export function createLocalBlobStore(opts: { rootDir: string; masterKey: Buffer }): BlobStore {
  if (opts.masterKey.length !== 32) throw new AppError('config.invalid', 'Blob master key must be 32 bytes');
  const root = path.resolve(opts.rootDir);

  function fileOf(uri: string): string {
    const prefix = 'local-blob://';
    if (!uri.startsWith(prefix)) throw new AppError('request.invalid', `Not a local blob URI: ${uri}`);
    const rel = uri.slice(prefix.length);
    const full = path.resolve(root, rel);
    if (!full.startsWith(root + path.sep)) throw new AppError('request.invalid', `Blob URI escapes the store: ${uri}`);
    return full;
  }

  function uriOf(orgId: string, key: string): string {
    if (!/^[0-9a-zA-Z-]+$/.test(orgId) || key.split('/').some((p) => p === '..' || p === '' || !/^[\w.-]+$/.test(p))) {
      throw new AppError('request.invalid', `Invalid blob key ${orgId}/${key}`);
    }
    return `local-blob://${orgId}/${key}`;
  }

  function wrapKey(dataKey: Buffer) {
    const wrapIv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', opts.masterKey, wrapIv);
    const wrapped = Buffer.concat([c.update(dataKey), c.final()]);
    return { wrappedKey: wrapped.toString('base64'), wrapIv: wrapIv.toString('base64'), wrapTag: c.getAuthTag().toString('base64') };
  }

  function unwrapKey(h: Header): Buffer {
    const d = createDecipheriv('aes-256-gcm', opts.masterKey, Buffer.from(h.wrapIv, 'base64'));
    d.setAuthTag(Buffer.from(h.wrapTag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(h.wrappedKey, 'base64')), d.final()]);
  }

  async function writeEncrypted(uri: string, source: AsyncIterable<Buffer> | NodeJS.ReadableStream, sha256: string, bytes: number): Promise<void> {
    const dest = fileOf(uri);
    await mkdir(path.dirname(dest), { recursive: true });
    const dataKey = randomBytes(32);
    const iv = randomBytes(12);
    const header: Header = { alg: 'A256GCM', ...wrapKey(dataKey), iv: iv.toString('base64'), sha256, bytes };
    const headerBuf = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(headerBuf.length);
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const out = createWriteStream(tmp, { mode: 0o600 });
    out.write(Buffer.concat([MAGIC, len, headerBuf]));
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    try {
      await pipeline(source as NodeJS.ReadableStream, cipher, out, { end: false });
      await new Promise<void>((resolve, reject) => out.end(cipher.getAuthTag(), (e?: Error | null) => (e ? reject(e) : resolve())));
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async function readHeader(file: string): Promise<{ header: Header; dataStart: number; size: number }> {
    const fh = await open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      const pre = Buffer.alloc(8);
      await fh.read(pre, 0, 8, 0);
      if (!pre.subarray(0, 4).equals(MAGIC)) throw new AppError('internal', `Blob ${file} has no valid header`);
      const hl = pre.readUInt32BE(4);
      const hb = Buffer.alloc(hl);
      await fh.read(hb, 0, hl, 8);
      return { header: JSON.parse(hb.toString()) as Header, dataStart: 8 + hl, size };
    } finally {
      await fh.close();
    }
  }

  async function decryptTo(ref: BlobRef, sink: NodeJS.WritableStream): Promise<void> {
    const file = fileOf(ref.uri);
    const { header, dataStart, size } = await readHeader(file);
    const fh = await open(file, 'r');
    const tag = Buffer.alloc(TAG_LEN);
    await fh.read(tag, 0, TAG_LEN, size - TAG_LEN);
    await fh.close();
    const d = createDecipheriv('aes-256-gcm', unwrapKey(header), Buffer.from(header.iv, 'base64'));
    d.setAuthTag(tag);
    const h = createHash('sha256');
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        h.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(createReadStream(file, { start: dataStart, end: size - TAG_LEN - 1 }), d, hasher, sink);
    } catch (e) {
      throw new AppError('internal', `Blob ${ref.uri} failed its integrity check (tampered or truncated)`, { cause: e });
    }
    const got = h.digest('hex');
    if (got !== ref.sha256) throw new AppError('internal', `Blob ${ref.uri} sha256 ${got} does not match the reference ${ref.sha256}`);
  }

  return {
    async putFile(orgId, key, srcPath) {
      const uri = uriOf(orgId, key);
      const { sha256, bytes } = await digestFile(srcPath);
      await writeEncrypted(uri, createReadStream(srcPath), sha256, bytes);
      return { uri, sha256, bytes };
    },
    async putBytes(orgId, key, data) {
      const uri = uriOf(orgId, key);
      const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const sha256 = createHash('sha256').update(buf).digest('hex');
      async function* one() {
        yield buf;
      }
      await writeEncrypted(uri, one(), sha256, buf.length);
      return { uri, sha256, bytes: buf.length };
    },
    async getBytes(ref) {
      const chunks: Buffer[] = [];
      const { Writable } = await import('node:stream');
      await decryptTo(ref, new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } }));
      return new Uint8Array(Buffer.concat(chunks));
    },
    async getToFile(ref, destPath) {
      await mkdir(path.dirname(destPath), { recursive: true });
      const tmp = `${destPath}.tmp`;
      try {
        await decryptTo(ref, createWriteStream(tmp));
        await rename(tmp, destPath);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
    async head(orgId, key) {
      const uri = uriOf(orgId, key);
      try {
        const { header } = await readHeader(fileOf(uri));
        return { uri, sha256: header.sha256, bytes: header.bytes };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async exists(uri) {
      return stat(fileOf(uri)).then(() => true, () => false);
    },
  };
}

/** The master key: from config, else a key file created once under the data folder (mode 600). */
export async function loadOrCreateMasterKey(opts: { configured?: string; keyFile: string }): Promise<Buffer> {
  if (opts.configured) return Buffer.from(opts.configured, 'base64');
  try {
    const k = Buffer.from((await readFile(opts.keyFile, 'utf8')).trim(), 'base64');
    if (k.length === 32) return k;
    throw new AppError('config.invalid', `Key file ${opts.keyFile} does not hold a 32-byte base64 key`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(path.dirname(opts.keyFile), { recursive: true });
  const k = randomBytes(32);
  await writeFile(opts.keyFile, k.toString('base64') + '\n', { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  await chmod(opts.keyFile, 0o600);
  return Buffer.from((await readFile(opts.keyFile, 'utf8')).trim(), 'base64');
}

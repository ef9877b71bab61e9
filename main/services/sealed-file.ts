import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { AppError } from '../../app/contracts/errors';
import { writeFileAtomic } from './atomic-file';

/**
 * AES-256-GCM for the desktop's files at rest (recordings, drafts), keyed by the data key the
 * `EncryptionKeyStore` holds. The associated data is the file's path relative to the data folder,
 * so a file copied over another one (another session's recording, another draft) does not open.
 *
 * - A whole file (drafts): `FES1` ‖ 12-byte IV ‖ ciphertext ‖ 16-byte tag.
 * - A record file (recordings, appended chunk by chunk): records of 4-byte big-endian plaintext
 *   length ‖ 12-byte IV ‖ ciphertext ‖ 16-byte tag; record i has `path ‖ 0x00 ‖ i` as associated
 *   data, so records cannot be reordered or moved between files. A file of n records holding P
 *   plaintext bytes is exactly P + 32·n bytes long.
 */
const MAGIC = Buffer.from('FES1');
const IV = 12;
const TAG = 16;
export const RECORD_OVERHEAD = 4 + IV + TAG;

function gcmSeal(key: Uint8Array, aad: Buffer, plain: Uint8Array): Buffer[] {
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return [iv, body, c.getAuthTag()];
}

function gcmOpen(key: Uint8Array, aad: Buffer, iv: Buffer, body: Buffer, tag: Buffer, what: string): Buffer {
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(body), d.final()]);
  } catch (cause) {
    throw new AppError('crypto.integrity', `${what} does not decrypt: it was changed, moved from another file, or the data key is not the one that wrote it.`, { cause });
  }
}

export function sealWhole(key: Uint8Array, aad: string, plain: Uint8Array): Buffer {
  return Buffer.concat([MAGIC, ...gcmSeal(key, Buffer.from(aad), plain)]);
}

export function openWhole(key: Uint8Array, aad: string, sealed: Buffer): Buffer {
  if (sealed.length < MAGIC.length + IV + TAG || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) throw new AppError('crypto.integrity', `${aad} is not an encrypted file of this app.`);
  const iv = sealed.subarray(MAGIC.length, MAGIC.length + IV);
  return gcmOpen(key, Buffer.from(aad), iv, sealed.subarray(MAGIC.length + IV, sealed.length - TAG), sealed.subarray(sealed.length - TAG), aad);
}

/** The file's plaintext, or `undefined` when it does not exist. */
export async function readSealedFile(file: string, key: Uint8Array, aad: string): Promise<Buffer | undefined> {
  let sealed: Buffer;
  try {
    sealed = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return openWhole(key, aad, sealed);
}

export const writeSealedFile = (file: string, key: Uint8Array, aad: string, plain: Uint8Array) => writeFileAtomic(file, sealWhole(key, aad, plain), { mode: 0o600 });

const recordAad = (aad: string, index: number) => Buffer.from(`${aad}\0${index}`);

export function sealRecord(key: Uint8Array, aad: string, index: number, plain: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(plain.byteLength);
  return Buffer.concat([len, ...gcmSeal(key, recordAad(aad, index), plain)]);
}

/** Size of a record file holding `records` records of `plainBytes` bytes in all. */
export const sealedSize = (records: number, plainBytes: number) => plainBytes + RECORD_OVERHEAD * records;

/**
 * The plaintext of a record file, record by record. `records` stops after that many (the rest is a
 * torn write the journal never acknowledged); `plainBytes`, when given, must be what the records
 * hold in all: a file cut at a record boundary is refused, not silently shorter.
 */
export async function* readRecords(file: string, key: Uint8Array, aad: string, opts: { records?: number; plainBytes?: number } = {}): AsyncGenerator<Buffer> {
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new AppError('recording.missing', `The recording file is gone: ${file}`) : e;
  });
  try {
    let pos = 0;
    let total = 0;
    const head = Buffer.alloc(4);
    for (let i = 0; opts.records === undefined || i < opts.records; i++) {
      const { bytesRead } = await fh.read(head, 0, 4, pos);
      if (bytesRead === 0 && opts.records === undefined) break;
      if (bytesRead < 4) throw new AppError('crypto.integrity', `${aad} ends inside record ${i}.`);
      const len = head.readUInt32BE(0);
      const rest = Buffer.alloc(IV + len + TAG);
      const r = await fh.read(rest, 0, rest.length, pos + 4);
      if (r.bytesRead < rest.length) throw new AppError('crypto.integrity', `${aad} ends inside record ${i}.`);
      pos += 4 + rest.length;
      total += len;
      yield gcmOpen(key, recordAad(aad, i), rest.subarray(0, IV), rest.subarray(IV, IV + len), rest.subarray(IV + len), `Record ${i} of ${aad}`);
    }
    if (opts.plainBytes !== undefined && total !== opts.plainBytes) throw new AppError('crypto.integrity', `${aad} holds ${total} bytes, ${opts.plainBytes} were written.`);
  } finally {
    await fh.close();
  }
}

/** Keyed digest of a chunk (the journal's duplicate check), so the journal says nothing about the audio. */
export const chunkMac = (key: Uint8Array, chunk: Uint8Array) => createHmac('sha256', key).update(chunk).digest('hex').slice(0, 32);

/** Random access to the plaintext of a record file (the upload queue resumes at the server's offset). */
export interface PlainSource {
  readonly size: number;
  read(start: number, end: number): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Opens a record file for reads at any offset: the record headers are indexed first (their total
 * must be `plainBytes`), then each read decrypts only the records it covers.
 */
export async function openRecordFile(file: string, key: Uint8Array, aad: string, plainBytes: number): Promise<PlainSource> {
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new AppError('recording.missing', `The recording file is gone: ${file}`) : e;
  });
  try {
    const { size: fileBytes } = await fh.stat();
    const index: { plainStart: number; pos: number; len: number }[] = [];
    const head = Buffer.alloc(4);
    let pos = 0;
    let plain = 0;
    while (pos < fileBytes) {
      if ((await fh.read(head, 0, 4, pos)).bytesRead < 4) throw new AppError('crypto.integrity', `${aad} ends inside record ${index.length}.`);
      const len = head.readUInt32BE(0);
      index.push({ plainStart: plain, pos, len });
      pos += RECORD_OVERHEAD + len;
      plain += len;
    }
    if (pos !== fileBytes || plain !== plainBytes) throw new AppError('crypto.integrity', `${aad} holds ${plain} bytes in ${index.length} records, ${plainBytes} were written.`);
    return {
      size: plainBytes,
      async read(start, end) {
        const parts: Buffer[] = [];
        for (let i = 0; i < index.length; i++) {
          const r = index[i]!;
          if (r.plainStart + r.len <= start || r.len === 0) continue;
          if (r.plainStart >= end) break;
          const rest = Buffer.alloc(IV + r.len + TAG);
          await fh.read(rest, 0, rest.length, r.pos + 4);
          const clear = gcmOpen(key, recordAad(aad, i), rest.subarray(0, IV), rest.subarray(IV, IV + r.len), rest.subarray(IV + r.len), `Record ${i} of ${aad}`);
          parts.push(clear.subarray(Math.max(0, start - r.plainStart), Math.min(r.len, end - r.plainStart)));
        }
        return Buffer.concat(parts);
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../../../app/contracts/errors';

/**
 * AES-256-GCM with associated data, from Node's crypto. The associated data names where a
 * ciphertext belongs (org, object path, table/column/row): the same bytes under another name fail
 * their tag, so nothing can be replayed into another org or place.
 */
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** Associated data as an unambiguous byte string: a JSON array of its parts. */
export function associatedData(...parts: string[]): Buffer {
  return Buffer.from(JSON.stringify(parts), 'utf8');
}

/** iv ‖ ciphertext ‖ tag. */
export function seal(key: Buffer, plain: Uint8Array, aad: Buffer): Buffer {
  if (key.length !== 32) throw new AppError('internal', 'AES-256-GCM needs a 32-byte key');
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]);
}

/** The plaintext, or throws `crypto.integrity` when the key, the associated data or a byte is wrong. */
export function open(key: Buffer, sealed: Uint8Array, aad: Buffer, what = 'value'): Buffer {
  const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (b.length < IV_BYTES + TAG_BYTES) throw new AppError('crypto.integrity', `The encrypted ${what} is truncated`);
  try {
    const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, IV_BYTES));
    d.setAAD(aad);
    d.setAuthTag(b.subarray(b.length - TAG_BYTES));
    return Buffer.concat([d.update(b.subarray(IV_BYTES, b.length - TAG_BYTES)), d.final()]);
  } catch (cause) {
    throw new AppError('crypto.integrity', `The encrypted ${what} failed its integrity check (wrong key, wrong place, or altered)`, { cause });
  }
}

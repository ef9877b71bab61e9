import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../app/contracts/errors';
import { readJsonFile, writeJsonAtomic } from './atomic-file';
import type { SecretCipher } from './secret-store';

/**
 * Where the desktop's data key (recordings and drafts at rest) comes from. The key itself is never
 * on disk in clear: in the app it is wrapped by Electron safeStorage (OS keychain), see
 * docs/decisions/020-desktop-files-encrypted-at-rest.md.
 */
export interface EncryptionKeyStore {
  readonly backend: string;
  /** The 32-byte data key, created on first use. `crypto.key_unavailable` when the OS key store cannot protect it. */
  dataKey(): Promise<Uint8Array>;
}

const WrappedKeyFile = z.object({ version: z.literal(1), backend: z.string(), wrapped: z.string().min(1) });

/**
 * A random data key wrapped by a `SecretCipher` (Electron: safeStorage.encryptString, whose key the
 * OS keychain holds; plain Node: AES-GCM with a key file) and stored wrapped in `file` (0600).
 */
export function createWrappedKeyStore(opts: { file: string; cipher: SecretCipher }): EncryptionKeyStore {
  let loading: Promise<Uint8Array> | undefined;

  async function load(): Promise<Uint8Array> {
    if (!opts.cipher.isAvailable()) throw new AppError('crypto.key_unavailable', `Recordings and drafts cannot be encrypted on this machine: the OS key store is not available (${opts.cipher.backend}).`);
    const stored = await readJsonFile(opts.file, WrappedKeyFile).catch((cause: unknown) => {
      throw new AppError('crypto.key_unavailable', `The wrapped data key in ${opts.file} cannot be read.`, { cause });
    });
    if (stored) {
      let key: Buffer;
      try {
        key = Buffer.from(opts.cipher.decrypt(Buffer.from(stored.wrapped, 'base64')), 'base64');
      } catch (cause) {
        throw new AppError('crypto.key_unavailable', `The data key cannot be unwrapped by ${opts.cipher.backend} (the OS key changed?); the recordings and drafts it protects cannot be opened.`, { cause });
      }
      if (key.length !== 32) throw new AppError('crypto.key_unavailable', `The data key in ${opts.file} is not 32 bytes.`);
      return key;
    }
    const key = randomBytes(32);
    const wrapped = Buffer.from(opts.cipher.encrypt(key.toString('base64'))).toString('base64');
    await writeJsonAtomic(opts.file, { version: 1, backend: opts.cipher.backend, wrapped }, { mode: 0o600 });
    return key;
  }

  return {
    backend: opts.cipher.backend,
    dataKey() {
      loading ??= load();
      // A failure is not cached: the keyring may be unlocked later.
      return loading.catch((e: unknown) => {
        loading = undefined;
        throw e;
      });
    },
  };
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../app/contracts/errors';
import { readJsonFile, writeJsonAtomic } from './atomic-file';

/** Where tokens live. See docs/decisions/004-token-storage.md. */
export interface SecretStore {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  status(): { available: boolean; backend: string };
}

/**
 * What encrypts the values: Electron's safeStorage in the app (key held by the OS keychain:
 * Keychain, DPAPI, libsecret/kwallet), or AES-256-GCM with a key the platform adapter supplies
 * when running in plain Node (browser harness, tests).
 */
export interface SecretCipher {
  readonly backend: string;
  isAvailable(): boolean;
  encrypt(plain: string): Uint8Array;
  decrypt(data: Uint8Array): string;
}

/** AES-256-GCM: 12-byte IV ‖ ciphertext ‖ 16-byte tag. */
export function createAesGcmCipher(key: Uint8Array, backend = 'aes-256-gcm'): SecretCipher {
  if (key.byteLength !== 32) throw new AppError('config.invalid', 'The secret key must be 32 bytes.');
  const k = Buffer.from(key);
  return {
    backend,
    isAvailable: () => true,
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', k, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, body, c.getAuthTag()]);
    },
    decrypt(data) {
      const b = Buffer.from(data);
      const d = createDecipheriv('aes-256-gcm', k, b.subarray(0, 12));
      d.setAuthTag(b.subarray(b.length - 16));
      return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8');
    },
  };
}

const SecretFile = z.object({ version: z.literal(1), backend: z.string(), entries: z.record(z.string(), z.string()) });

/** Encrypted values in one JSON file (mode 0600), written atomically. Nothing is ever stored in clear. */
export function createEncryptedFileSecretStore(opts: { file: string; cipher: SecretCipher }): SecretStore {
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  };
  const read = async () => (await readJsonFile(opts.file, SecretFile)) ?? { version: 1 as const, backend: opts.cipher.backend, entries: {} };
  function needCipher() {
    if (!opts.cipher.isAvailable()) throw new AppError('secret.unavailable', `Secrets cannot be stored encrypted on this machine (${opts.cipher.backend}); sign-in will not be remembered.`);
  }

  return {
    get(name) {
      return serial(async () => {
        const stored = (await read()).entries[name];
        if (stored === undefined) return null;
        needCipher();
        try {
          return opts.cipher.decrypt(Buffer.from(stored, 'base64'));
        } catch (cause) {
          throw new AppError('secret.unavailable', `The stored ${name} cannot be decrypted (the OS key changed?); sign in again.`, { cause });
        }
      });
    },
    set(name, value) {
      return serial(async () => {
        needCipher();
        const f = await read();
        f.entries[name] = Buffer.from(opts.cipher.encrypt(value)).toString('base64');
        await writeJsonAtomic(opts.file, { ...f, backend: opts.cipher.backend }, { mode: 0o600 });
      });
    },
    delete(name) {
      return serial(async () => {
        const f = await read();
        if (!(name in f.entries)) return false;
        delete f.entries[name];
        await writeJsonAtomic(opts.file, f, { mode: 0o600 });
        return true;
      });
    },
    status: () => ({ available: opts.cipher.isAvailable(), backend: opts.cipher.backend }),
  };
}

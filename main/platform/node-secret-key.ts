import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../services/atomic-file';

/**
 * The secret key when the main-process features run in plain Node (browser harness, tests): a
 * random 32-byte key in a 0600 file. It only keeps tokens out of plain text on disk; the
 * Electron app uses safeStorage (OS keychain) instead. See docs/decisions/004-token-storage.md.
 */
export async function loadOrCreateKeyFile(file: string): Promise<Uint8Array> {
  try {
    const key = await readFile(file);
    if (key.length === 32) return key;
    throw new Error(`${file} must hold exactly 32 bytes, found ${key.length}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = randomBytes(32);
  await writeFileAtomic(file, key, { mode: 0o600 });
  return key;
}

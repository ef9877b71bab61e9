import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAesGcmCipher, type SecretCipher } from './secret-store';
import { createWrappedKeyStore } from './storage-key';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-storagekey-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);

describe('wrapped data key store', () => {
  it('creates one random key, stores it only wrapped (0600), and unwraps the same key later', async () => {
    const file = path.join(dir, 'a.json');
    const osKey = randomBytes(32);
    const key = await createWrappedKeyStore({ file, cipher: createAesGcmCipher(osKey, 'test') }).dataKey();
    expect(key.byteLength).toBe(32);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(Buffer.from(key).toString('base64'));
    expect(text).not.toContain(Buffer.from(key).toString('hex'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await createWrappedKeyStore({ file, cipher: createAesGcmCipher(osKey, 'test') }).dataKey();
    expect(Buffer.from(again).equals(Buffer.from(key))).toBe(true);
    // Another OS key (keyring reset) cannot unwrap it.
    expect(await codeOf(createWrappedKeyStore({ file, cipher: createAesGcmCipher(randomBytes(32), 'test') }).dataKey())).toBe('crypto.key_unavailable');
  });

  it('answers crypto.key_unavailable and writes nothing while the OS key store is unavailable, and works once it is', async () => {
    const file = path.join(dir, 'b.json');
    let available = false;
    const cipher: SecretCipher = { ...createAesGcmCipher(randomBytes(32), 'safeStorage:basic_text'), isAvailable: () => available };
    const store = createWrappedKeyStore({ file, cipher });
    expect(await codeOf(store.dataKey())).toBe('crypto.key_unavailable');
    expect(existsSync(file)).toBe(false);
    available = true;
    expect((await store.dataKey()).byteLength).toBe(32);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAesGcmCipher, createEncryptedFileSecretStore, type SecretCipher } from './secret-store';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);

describe('encrypted file secret store', () => {
  it('stores values encrypted (file mode 0600) and reads them back in a new instance with the same key', async () => {
    const file = path.join(dir, 'a.json');
    const key = randomBytes(32);
    const store = createEncryptedFileSecretStore({ file, cipher: createAesGcmCipher(key) });
    await store.set('api.token', 'tok-123456-abcdef');
    expect(readFileSync(file, 'utf8')).not.toContain('tok-123456');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = createEncryptedFileSecretStore({ file, cipher: createAesGcmCipher(key) });
    expect(await again.get('api.token')).toBe('tok-123456-abcdef');
    expect(await again.get('other')).toBeNull();
    expect(await again.delete('api.token')).toBe(true);
    expect(await again.delete('api.token')).toBe(false);
    expect(await store.get('api.token')).toBeNull();
  });

  it('says secret.unavailable when the key changed or the value was tampered with', async () => {
    const file = path.join(dir, 'b.json');
    await createEncryptedFileSecretStore({ file, cipher: createAesGcmCipher(randomBytes(32)) }).set('api.token', 'x'.repeat(40));
    expect(await codeOf(createEncryptedFileSecretStore({ file, cipher: createAesGcmCipher(randomBytes(32)) }).get('api.token'))).toBe('secret.unavailable');
  });

  it('refuses to store anything when the platform cannot encrypt', async () => {
    const file = path.join(dir, 'c.json');
    const none: SecretCipher = {
      backend: 'basic_text',
      isAvailable: () => false,
      encrypt: () => {
        throw new Error('must not be called');
      },
      decrypt: () => '',
    };
    const store = createEncryptedFileSecretStore({ file, cipher: none });
    expect(store.status()).toEqual({ available: false, backend: 'basic_text' });
    expect(await codeOf(store.set('api.token', 'abc'))).toBe('secret.unavailable');
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });
});

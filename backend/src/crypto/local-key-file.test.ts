import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { openKeyProvider } from './key-setup';
import { addKeyVersion, createLocalKeyFileProvider, ensureKeyFile, readKeyFile, removeKeyVersion } from './local-key-file';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-kek-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('local key-encryption key file', () => {
  it('is created once with mode 600 in a private folder, and reused', async () => {
    const file = path.join(dir, 'a', 'kek.json');
    expect(await ensureKeyFile(file)).toBe(true);
    const first = readFileSync(file, 'utf8');
    expect(await ensureKeyFile(file)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o077).toBe(0);
    expect((await readKeyFile(file)).current).toBe('1');
  });

  it('refuses a key file that group or others can read', async () => {
    const file = path.join(dir, 'b', 'kek.json');
    await ensureKeyFile(file);
    chmodSync(file, 0o640);
    await expect(readKeyFile(file)).rejects.toMatchObject({ code: 'config.invalid', message: expect.stringMatching(/chmod 600/) });
    await expect(createLocalKeyFileProvider({ file }).wrap(randomBytes(32))).rejects.toMatchObject({ code: 'config.invalid' });
  });

  it('wraps under the current version and still unwraps older versions until they are retired', async () => {
    const file = path.join(dir, 'c', 'kek.json');
    await ensureKeyFile(file);
    const p = createLocalKeyFileProvider({ file });
    const dek = randomBytes(32);
    const w1 = await p.wrap(dek);
    expect(w1).toMatchObject({ kekId: 'local-file', kekVersion: '1', algorithm: 'A256GCM' });
    expect(w1.wrapped.includes(dek)).toBe(false);
    expect(await addKeyVersion(file)).toBe('2');
    const w2 = await p.wrap(dek);
    expect(w2.kekVersion).toBe('2');
    expect((await p.unwrap(w1)).equals(dek)).toBe(true);
    expect((await p.unwrap(w2)).equals(dek)).toBe(true);
    // A wrap cannot be relabelled as another version.
    await expect(p.unwrap({ ...w1, kekVersion: '2' })).rejects.toMatchObject({ code: 'crypto.integrity' });
    await expect(removeKeyVersion(file, '2')).rejects.toMatchObject({ code: 'request.invalid' });
    await removeKeyVersion(file, '1');
    await expect(p.unwrap(w1)).rejects.toMatchObject({ code: 'crypto.key_unavailable' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('is kept outside the data folder by default, created on the first embedded start with a log line, and required with an external database', async () => {
    const home = path.join(dir, 'home');
    const cfg = loadConfig({ FE_DATA_DIR: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(home, '.config') });
    expect(cfg.derived.kekFile).toBe(path.join(home, '.config', 'feedback-evaluation', 'kek.json'));
    expect(() => loadConfig({ FE_DATA_DIR: path.join(dir, 'data'), FE_KEK_FILE: path.join(dir, 'data', 'keys', 'kek.json') })).toThrow(/inside FE_DATA_DIR/);

    const external = loadConfig({ FE_DATA_DIR: path.join(dir, 'data'), FE_KEK_FILE: path.join(dir, 'ext', 'kek.json'), DATABASE_URL: 'postgres://u@127.0.0.1:1/x' });
    await expect(openKeyProvider(external)).rejects.toMatchObject({ code: 'crypto.key_unavailable', message: expect.stringMatching(/feedback keys init/) });

    const logs: string[] = [];
    await openKeyProvider(cfg, (m) => logs.push(m));
    expect(logs[0]).toMatch(/created the key-encryption key file .*kek\.json \(mode 600\)/);
    expect(statSync(cfg.derived.kekFile).mode & 0o777).toBe(0o600);
  });
});

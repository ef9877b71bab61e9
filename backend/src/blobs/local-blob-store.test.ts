import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore, loadOrCreateMasterKey } from './local-blob-store';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-blobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const orgId = '11111111-1111-4111-8111-111111111111';

function allFiles(d: string): string[] {
  return readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('local blob store', () => {
  const store = createLocalBlobStore({ rootDir: path.join(dir, 'store'), masterKey: randomBytes(32) });

  it('round-trips a file and never stores the plaintext', async () => {
    const src = path.join(dir, 'plain.txt');
    const text = 'patient Daniel Reyes said something private '.repeat(2000);
    writeFileSync(src, text);
    const ref = await store.putFile(orgId, 'sessions/s1/recording.wav', src);
    expect(ref.bytes).toBe(Buffer.byteLength(text));
    const stored = allFiles(path.join(dir, 'store'));
    expect(stored).toHaveLength(1);
    expect(readFileSync(stored[0]!).includes(Buffer.from('Daniel Reyes'))).toBe(false);
    expect(Buffer.from(await store.getBytes(ref)).toString()).toBe(text);
    const out = path.join(dir, 'out.txt');
    await store.getToFile(ref, out);
    expect(readFileSync(out, 'utf8')).toBe(text);
  });

  it('gives the reference of a stored blob from its header, null when absent', async () => {
    const ref = await store.putBytes(orgId, 'x/head.json', new TextEncoder().encode('{"b":2}'));
    expect(await store.head(orgId, 'x/head.json')).toEqual(ref);
    expect(await store.head(orgId, 'x/none.json')).toBeNull();
  });

  it('detects a tampered blob', async () => {
    const ref = await store.putBytes(orgId, 'x/tamper.json', new TextEncoder().encode('{"a":1}'));
    const file = allFiles(path.join(dir, 'store')).find((f) => f.endsWith('tamper.json'))!;
    const buf = readFileSync(file);
    buf[buf.length - 20] = buf[buf.length - 20]! ^ 0xff;
    writeFileSync(file, buf);
    await expect(store.getBytes(ref)).rejects.toThrow(/integrity/);
  });

  it('refuses keys that escape the store', async () => {
    await expect(store.putBytes(orgId, '../../etc/passwd', new Uint8Array(1))).rejects.toMatchObject({ code: 'request.invalid' });
  });

  it('creates a master key file once, mode 600, and reuses it', async () => {
    const keyFile = path.join(dir, 'keys', 'master.key');
    const a = await loadOrCreateMasterKey({ keyFile });
    const b = await loadOrCreateMasterKey({ keyFile });
    expect(a.equals(b)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });
});

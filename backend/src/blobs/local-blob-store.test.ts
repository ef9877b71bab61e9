import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg } from '../db/repositories/identity';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { writeLegacyBlob } from '../testing/legacy-blob';
import type { LocalBlobStore } from './local-blob-store';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-blobs-'));
const orgA = '11111111-1111-4111-8111-111111111111';
const orgB = '22222222-2222-4222-8222-222222222222';
let t: TestDatabase;
let store: LocalBlobStore;
const root = path.join(dir, 'store');

beforeAll(async () => {
  t = await createTestDatabase();
  for (const [id, name] of [[orgA, 'A'], [orgB, 'B']] as const) await t.db.withOrg(id, (tx) => createOrg(tx, { name: `Blob org ${name}` }));
  store = t.blobStore(root);
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

function allFiles(d: string): string[] {
  return readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
const bytes = (s: string) => new TextEncoder().encode(s);

describe('local blob store', () => {
  it('round-trips a file and never stores the plaintext (file mode 600)', async () => {
    const src = path.join(dir, 'plain.txt');
    const text = 'patient Daniel Reyes said something private '.repeat(2000);
    writeFileSync(src, text);
    const ref = await store.putFile(orgA, 'sessions/s1/recording.wav', src);
    expect(ref.bytes).toBe(Buffer.byteLength(text));
    const file = path.join(root, orgA, 'sessions/s1/recording.wav');
    expect(readFileSync(file).includes(Buffer.from('Daniel Reyes'))).toBe(false);
    expect(readFileSync(file).subarray(0, 4).toString()).toBe('FEB2');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(await store.getBytes(orgA, ref)).toString()).toBe(text);
    const out = path.join(dir, 'out.txt');
    await store.getToFile(orgA, ref, out);
    expect(readFileSync(out, 'utf8')).toBe(text);
  });

  it('gives the reference of a stored blob from its header, null when absent', async () => {
    const ref = await store.putBytes(orgA, 'x/head.json', bytes('{"b":2}'));
    expect(await store.head(orgA, 'x/head.json')).toEqual(ref);
    expect(await store.head(orgA, 'x/none.json')).toBeNull();
  });

  it('detects a tampered blob', async () => {
    const ref = await store.putBytes(orgA, 'x/tamper.json', bytes('{"a":1}'));
    const file = path.join(root, orgA, 'x/tamper.json');
    const buf = readFileSync(file);
    buf[buf.length - 20] = buf[buf.length - 20]! ^ 0xff;
    writeFileSync(file, buf);
    await expect(store.getBytes(orgA, ref)).rejects.toMatchObject({ code: 'blob.corrupt', message: expect.stringMatching(/integrity/) });
  });

  it('refuses keys that escape the store', async () => {
    await expect(store.putBytes(orgA, '../../etc/passwd', new Uint8Array(1))).rejects.toMatchObject({ code: 'request.invalid' });
    await expect(store.getBytes(orgA, { uri: `local-blob://${orgA}/../${orgB}/x`, sha256: '0'.repeat(64), bytes: 1 })).rejects.toMatchObject({ code: 'request.invalid' });
  });

  it("refuses a reference into another org with blob.foreign_org before reading anything", async () => {
    const ref = await store.putBytes(orgA, 'evaluations/e1/transcript.json', bytes('{"secret":true}'));
    await expect(store.getBytes(orgB, ref)).rejects.toMatchObject({ code: 'blob.foreign_org' });
    await expect(store.getToFile(orgB, ref, path.join(dir, 'stolen'))).rejects.toMatchObject({ code: 'blob.foreign_org' });
    await expect(store.exists(orgB, ref.uri)).rejects.toMatchObject({ code: 'blob.foreign_org' });
    // The check needs no file: it comes before the store is touched.
    await expect(store.getBytes(orgB, { ...ref, uri: `local-blob://${orgA}/nowhere/at-all` })).rejects.toMatchObject({ code: 'blob.foreign_org' });
  });

  it('seals each org with its own data key: a blob file moved into another org does not open there', async () => {
    const ref = await store.putBytes(orgA, 'moved/a.json', bytes('{"org":"A"}'));
    const dest = path.join(root, orgB, 'moved/a.json');
    mkdirSync(path.dirname(dest), { recursive: true });
    copyFileSync(path.join(root, orgA, 'moved/a.json'), dest);
    await expect(store.getBytes(orgB, { ...ref, uri: `local-blob://${orgB}/moved/a.json` })).rejects.toMatchObject({ code: 'crypto.key_destroyed' });
    const a = await t.db.withOrg(orgA, (tx) => t.keys.current(tx));
    const b = await t.db.withOrg(orgB, (tx) => t.keys.current(tx));
    expect(a.id).not.toBe(b.id);
    expect(a.key.equals(b.key)).toBe(false);
  });

  it('binds a blob to its name: the same file under another key of the same org fails its tag', async () => {
    const ref = await store.putBytes(orgA, 'bound/original.json', bytes('{"where":"original"}'));
    copyFileSync(path.join(root, orgA, 'bound/original.json'), path.join(root, orgA, 'bound/replayed.json'));
    await expect(store.getBytes(orgA, { ...ref, uri: `local-blob://${orgA}/bound/replayed.json` })).rejects.toMatchObject({ code: 'blob.corrupt' });
    expect(Buffer.from(await store.getBytes(orgA, ref)).toString()).toBe('{"where":"original"}');
  });

  it('keeps reading blobs of the old single-master-key format and re-seals them under the org key', async () => {
    const master = randomBytes(32);
    const legacyRoot = path.join(dir, 'legacy');
    const legacy = t.blobStore(legacyRoot, { legacyMasterKey: master });
    const ref = await writeLegacyBlob(legacyRoot, orgA, 'sessions/s0/recording-old', bytes('old recording bytes'), master);
    expect(Buffer.from(await legacy.getBytes(orgA, ref)).toString()).toBe('old recording bytes');
    // Without the legacy key it cannot be read; the org check still comes first.
    await expect(t.blobStore(legacyRoot).getBytes(orgA, ref)).rejects.toMatchObject({ code: 'crypto.key_unavailable' });
    await expect(legacy.getBytes(orgB, ref)).rejects.toMatchObject({ code: 'blob.foreign_org' });

    const fresh = await legacy.putBytes(orgA, 'sessions/s0/new', bytes('new'));
    expect(await legacy.sealLegacy()).toEqual({ upgraded: 1, current: 1 });
    expect(readFileSync(path.join(legacyRoot, orgA, 'sessions/s0/recording-old')).subarray(0, 4).toString()).toBe('FEB2');
    expect(allFiles(legacyRoot).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // The reference stored in the database stays valid, and the legacy key is no longer needed.
    const withoutLegacy = t.blobStore(legacyRoot);
    expect(Buffer.from(await withoutLegacy.getBytes(orgA, ref)).toString()).toBe('old recording bytes');
    expect(Buffer.from(await withoutLegacy.getBytes(orgA, fresh)).toString()).toBe('new');
    expect(await legacy.sealLegacy()).toEqual({ upgraded: 0, current: 2 });
  });
});

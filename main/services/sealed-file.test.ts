import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRecordFile, openWhole, sealedSize, sealRecord, sealWhole } from './sealed-file';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-sealed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);

describe('sealed files', () => {
  const key = randomBytes(32);

  it('reads any range of a record file, as a resumed upload does', async () => {
    const chunks = [randomBytes(1000), Buffer.alloc(0), randomBytes(1), randomBytes(5000), randomBytes(333)];
    const plain = Buffer.concat(chunks);
    const file = path.join(dir, 'r.enc');
    const sealed = Buffer.concat(chunks.map((c, i) => sealRecord(key, 'recordings/x/r.enc', i, c)));
    expect(sealed.length).toBe(sealedSize(chunks.length, plain.length));
    writeFileSync(file, sealed);
    const src = await openRecordFile(file, key, 'recordings/x/r.enc', plain.length);
    for (const [s, e] of [[0, plain.length], [0, 1], [999, 1001], [1000, 1001], [1001, 4000], [3000, plain.length], [plain.length - 1, plain.length]] as const) {
      expect((await src.read(s, e)).equals(plain.subarray(s, e)), `${s}-${e}`).toBe(true);
    }
    await src.close();
    // Another path as associated data, or a byte count the records do not hold: refused.
    const moved = await openRecordFile(file, key, 'recordings/y/r.enc', plain.length);
    expect(await codeOf(moved.read(0, 10))).toBe('crypto.integrity');
    await moved.close();
    expect(await codeOf(openRecordFile(file, key, 'recordings/x/r.enc', plain.length + 1))).toBe('crypto.integrity');
    writeFileSync(file, sealed.subarray(0, sealed.length - 5));
    expect(await codeOf(openRecordFile(file, key, 'recordings/x/r.enc', plain.length))).toBe('crypto.integrity');
  });

  it('binds a whole sealed file to its path', () => {
    const s = sealWhole(key, 'drafts/a.json.enc', Buffer.from('{"x":1}'));
    expect(openWhole(key, 'drafts/a.json.enc', s).toString()).toBe('{"x":1}');
    expect(() => openWhole(key, 'drafts/b.json.enc', s)).toThrow(expect.objectContaining({ code: 'crypto.integrity' }));
    expect(() => openWhole(randomBytes(32), 'drafts/a.json.enc', s)).toThrow(expect.objectContaining({ code: 'crypto.integrity' }));
  });
});

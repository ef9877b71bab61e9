import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestFile, digestStream, sha256File } from './file-digest';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-digest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('file digest', () => {
  it('gives the sha256 and size of a file larger than one read chunk, the same as hashing it whole', async () => {
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
    const file = path.join(tmp, 'big.bin');
    writeFileSync(file, bytes);
    const expected = createHash('sha256').update(bytes).digest('hex');
    expect(await digestFile(file)).toEqual({ sha256: expected, bytes: 300_000 });
    expect(await sha256File(file)).toBe(expected);
  });

  it('digests a stream of chunks as the concatenation of its bytes', async () => {
    async function* chunks() {
      yield new TextEncoder().encode('a');
      yield new TextEncoder().encode('bc');
    }
    // FIPS 180-2's test vector for "abc".
    expect(await digestStream(chunks())).toEqual({ sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 });
  });

  it('digests an empty file', async () => {
    const file = path.join(tmp, 'empty.bin');
    writeFileSync(file, '');
    expect(await digestFile(file)).toEqual({ sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', bytes: 0 });
  });
});

import { inflateRawSync } from 'node:zlib';

/**
 * Minimal reader for a wheel (a zip archive): enough to pull named members out of a
 * registry package without an unzip binary or an extra npm dependency.
 */
export interface ArchiveEntry {
  name: string;
  read(): Buffer;
}

export function listZipEntries(zip: Buffer): ArchiveEntry[] {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  let off = zip.readUInt32LE(eocd + 16);
  const entries: ArchiveEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(off) !== 0x02014b50) throw new Error('corrupt zip: bad central directory entry');
    const method = zip.readUInt16LE(off + 10);
    const compressedSize = zip.readUInt32LE(off + 20);
    const size = zip.readUInt32LE(off + 24);
    const nameLen = zip.readUInt16LE(off + 28);
    const extraLen = zip.readUInt16LE(off + 30);
    const commentLen = zip.readUInt16LE(off + 32);
    const localOffset = zip.readUInt32LE(off + 42);
    const name = zip.toString('utf8', off + 46, off + 46 + nameLen);
    off += 46 + nameLen + extraLen + commentLen;
    entries.push({
      name,
      read: () => {
        if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new Error(`corrupt zip: bad local header for ${name}`);
        const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
        const raw = zip.subarray(start, start + compressedSize);
        const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : null;
        if (!data) throw new Error(`zip member ${name}: unsupported compression method ${method}`);
        if (data.length !== size) throw new Error(`zip member ${name}: size ${data.length} != ${size}`);
        return data;
      },
    });
  }
  return entries;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 64 KiB at the very end.
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new Error('not a zip archive (no end of central directory)');
}

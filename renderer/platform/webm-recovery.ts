/**
 * A recording cut short (page reloaded, app crashed) ends inside a WebM element: MediaRecorder's
 * chunks do not end on element boundaries. This cuts the bytes after the last complete element
 * and rewrites the size of any master element (Segment, Cluster) that the cut leaves shorter than
 * it declared, so every decoder reads the file to its end without a "premature end" error.
 */
const SEGMENT = 0x18538067;
const CLUSTER = 0x1f43b675;
/** Children of Segment: meeting one inside an unknown-size Cluster ends that Cluster. */
const LEVEL1 = new Set([0x114d9b74, 0x1549a966, 0x1654ae6b, 0x1c53bb6b, 0x1941a469, 0x1043a770, 0x1254c367, CLUSTER]);

interface Vint {
  value: number;
  length: number;
  unknown: boolean;
}

function vint(b: Uint8Array, pos: number, keepMarker: boolean): Vint | null {
  const first = b[pos];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (length > 8 || pos + length > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[pos + i]!;
    if (b[pos + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

export function trimWebm(input: Uint8Array): Uint8Array {
  const b = input;
  let good = 0;
  const masters: { sizePos: number; sizeLen: number; dataStart: number; declaredEnd: number | null }[] = [];

  /** Walks elements from `pos` to `end`; returns where it stopped (a level-1 id inside a cluster, or the end). */
  function walk(pos: number, end: number, inCluster: boolean): number {
    while (pos < end) {
      const id = vint(b, pos, true);
      if (!id) return end;
      if (inCluster && LEVEL1.has(id.value)) return pos;
      const size = vint(b, pos + id.length, false);
      if (!size) return end;
      const dataStart = pos + id.length + size.length;
      if (dataStart > b.length) return end;
      const declaredEnd = size.unknown ? null : dataStart + size.value;
      if (id.value === SEGMENT || id.value === CLUSTER) {
        masters.push({ sizePos: pos + id.length, sizeLen: size.length, dataStart, declaredEnd });
        good = Math.max(good, dataStart);
        const stop = walk(dataStart, Math.min(declaredEnd ?? b.length, b.length), id.value === CLUSTER);
        if (declaredEnd !== null && declaredEnd <= b.length) pos = declaredEnd;
        else pos = stop;
        if (stop >= b.length || (declaredEnd !== null && declaredEnd > b.length)) return end;
        continue;
      }
      if (declaredEnd === null || declaredEnd > b.length) return end;
      good = declaredEnd;
      pos = declaredEnd;
    }
    return end;
  }
  walk(0, b.length, false);

  const out = b.slice(0, good);
  for (const m of masters) {
    if (m.dataStart > good || (m.declaredEnd !== null && m.declaredEnd <= good)) continue;
    // Cut short (or of unknown size and now ending here): declare the real size, in the same width.
    const size = good - m.dataStart;
    if (m.declaredEnd === null) continue;
    if (size >= 2 ** (7 * m.sizeLen) - 1) continue;
    let v = size;
    for (let i = m.sizeLen - 1; i >= 0; i--) {
      out[m.sizePos + i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    out[m.sizePos] = out[m.sizePos]! | (0x80 >> (m.sizeLen - 1));
  }
  return out;
}

/**
 * Reads a .safetensors file (8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data).
 */

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32';

export interface SafeTensor {
  name: string;
  dtype: SafetensorsDtype;
  /** numpy order, outermost first. */
  shape: number[];
  data: Uint8Array;
}

const DTYPE_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

export class SafetensorsError extends Error {}

export function parseSafetensors(buf: Uint8Array): Map<string, SafeTensor> {
  if (buf.byteLength < 8) throw new SafetensorsError('not a safetensors file: shorter than its header length');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen <= 1 || 8 + headerLen > buf.byteLength) throw new SafetensorsError(`not a safetensors file: header length ${headerLen} does not fit in ${buf.byteLength} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new SafetensorsError(`not a safetensors file: header is not JSON (${(cause as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const out = new Map<string, SafeTensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info.dtype as SafetensorsDtype;
    if (!(dtype in DTYPE_SIZE)) throw new SafetensorsError(`tensor ${name}: unsupported dtype ${String(info.dtype)}`);
    const shape = info.shape;
    const offsets = info.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`tensor ${name}: bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2) throw new SafetensorsError(`tensor ${name}: bad data_offsets`);
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_SIZE[dtype];
    if (!(Number.isInteger(begin) && Number.isInteger(end) && end - begin === expected && dataStart + end <= buf.byteLength)) {
      throw new SafetensorsError(`tensor ${name}: byte range [${begin}, ${end}) does not hold ${dtype} ${JSON.stringify(shape)} inside the file`);
    }
    out.set(name, { name, dtype, shape: shape as number[], data: buf.subarray(dataStart + begin, dataStart + end) });
  }
  return out;
}

/** The tensor's values as float32 (F32 copied so the result is aligned; F16/BF16 widened). */
export function tensorToFloat32(t: SafeTensor): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float32Array(n);
  if (t.dtype === 'F32') {
    for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
  } else if (t.dtype === 'BF16') {
    const tmp = new Uint32Array(1);
    const tf = new Float32Array(tmp.buffer);
    for (let i = 0; i < n; i++) {
      tmp[0] = dv.getUint16(i * 2, true) << 16;
      out[i] = tf[0]!;
    }
  } else if (t.dtype === 'F16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
  } else {
    throw new SafetensorsError(`tensor ${t.name}: ${t.dtype} is not a float tensor`);
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

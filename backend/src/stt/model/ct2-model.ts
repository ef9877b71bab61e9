/**
 * Reader for CTranslate2's `model.bin` (binary version 6, as written by
 * `ModelSpec._serialize`): u32 version, string spec name, u32 revision, u32 variable count,
 * then per variable: string name, u8 rank, u32 dims, u8 dtype, u32 byte count, raw data;
 * then u32 alias count and (alias, target) string pairs. Strings are u16 length (incl. NUL) + bytes.
 */

export type Ct2Dtype = 'float32' | 'int8' | 'int16' | 'int32' | 'float16' | 'bfloat16';

// Order of the DataType enum in CTranslate2's include/ctranslate2/types.h.
const DTYPES: readonly Ct2Dtype[] = ['float32', 'int8', 'int16', 'int32', 'float16', 'bfloat16'];

export interface Ct2Variable {
  name: string;
  shape: number[];
  dtype: Ct2Dtype;
  /** A view into the file buffer (no copy). */
  data: Uint8Array;
}

export interface Ct2Model {
  binaryVersion: number;
  specName: string;
  revision: number;
  variables: Map<string, Ct2Variable>;
}

export function parseCt2Model(buf: Uint8Array): Ct2Model {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const decoder = new TextDecoder();
  let off = 0;
  const need = (n: number): void => {
    if (off + n > buf.byteLength) throw new Error(`CTranslate2 model truncated at byte ${off} (needs ${n} more)`);
  };
  const u8 = (): number => { need(1); return view.getUint8(off++); };
  const u16 = (): number => { need(2); const v = view.getUint16(off, true); off += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(off, true); off += 4; return v; };
  const str = (): string => {
    const n = u16();
    need(n);
    const s = decoder.decode(buf.subarray(off, off + n - 1));
    off += n;
    return s;
  };

  const binaryVersion = u32();
  if (binaryVersion < 5 || binaryVersion > 6) throw new Error(`unsupported CTranslate2 binary version ${binaryVersion}`);
  const specName = str();
  const revision = u32();
  const count = u32();
  const variables = new Map<string, Ct2Variable>();
  for (let i = 0; i < count; i++) {
    const name = str();
    const rank = u8();
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(u32());
    const dtype = DTYPES[u8()];
    if (!dtype) throw new Error(`variable ${name}: unknown dtype`);
    const bytes = u32();
    need(bytes);
    variables.set(name, { name, shape, dtype, data: buf.subarray(off, off + bytes) });
    off += bytes;
  }
  const aliasCount = u32();
  for (let i = 0; i < aliasCount; i++) {
    const alias = str();
    const target = variables.get(str());
    if (target) variables.set(alias, { ...target, name: alias });
  }
  return { binaryVersion, specName, revision, variables };
}

const HALF_TO_FLOAT = buildHalfTable();

function buildHalfTable(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24;
    else if (exp === 31) table[h] = frac ? NaN : sign * Infinity;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return table;
}

/** float32 → IEEE half, round to nearest even (used when a source tensor is not already f16). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent.
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

function elementCount(v: Ct2Variable): number {
  return v.shape.reduce((a, b) => a * b, 1);
}

/**
 * The variable as float32 values. int8/int16 weights are dequantized with `scale`
 * (CTranslate2 stores q = round(w * scale) with one scale per output row for int8,
 * one scalar for int16).
 */
export function toFloat32(v: Ct2Variable, scale?: Ct2Variable): Float32Array {
  const n = elementCount(v);
  const dv = new DataView(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  const out = new Float32Array(n);
  switch (v.dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = HALF_TO_FLOAT[dv.getUint16(i * 2, true)]!;
      return out;
    case 'bfloat16': {
      const tmp = new Uint32Array(1);
      const tf = new Float32Array(tmp.buffer);
      for (let i = 0; i < n; i++) { tmp[0] = dv.getUint16(i * 2, true) << 16; out[i] = tf[0]!; }
      return out;
    }
    case 'int8':
    case 'int16': {
      if (!scale) throw new Error(`variable ${v.name} is ${v.dtype}-quantized but has no ${v.name}_scale`);
      const scales = toFloat32(scale);
      const rows = v.shape[0] ?? 1;
      const perRow = n / rows;
      for (let i = 0; i < n; i++) {
        const q = v.dtype === 'int8' ? dv.getInt8(i) : dv.getInt16(i * 2, true);
        const s = scales.length === 1 ? scales[0]! : scales[Math.floor(i / perRow)]!;
        out[i] = q / s;
      }
      return out;
    }
    default:
      throw new Error(`variable ${v.name}: cannot convert ${v.dtype} to float`);
  }
}

/** The variable as little-endian IEEE half bytes (a copy-free view when it already is f16). */
export function toFloat16Bytes(v: Ct2Variable, scale?: Ct2Variable): Uint8Array {
  if (v.dtype === 'float16') return v.data;
  const f = toFloat32(v, scale);
  const out = new Uint8Array(f.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < f.length; i++) dv.setUint16(i * 2, floatToHalf(f[i]!), true);
  return out;
}

export function float32Bytes(values: Float32Array): Uint8Array {
  // Float32Array is host-endian; every supported target (x64, arm64) is little-endian like ggml files.
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/**
 * Writes a GGUF v3 file (the container llama.cpp loads): header, typed key/value metadata,
 * tensor descriptors, then each tensor's bytes aligned to `general.alignment` (32 unless set).
 * Only the value and tensor types a converted float model needs are supported.
 */

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]'; value: readonly number[] };

export type GgmlType = 'f32' | 'f16';

export interface GgufTensor {
  name: string;
  /** ggml order: ne[0] is the innermost (contiguous) dimension, i.e. numpy's shape reversed. */
  ne: readonly number[];
  type: GgmlType;
  /** Little-endian element bytes; called once, when the tensor is written. */
  data: () => Uint8Array;
}

export interface GgufWriteResult {
  bytes: number;
  sha256: string;
}

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const GGUF_VERSION = 3;
const ALIGNMENT = 32;
const VALUE_TYPE = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;
const TENSOR_TYPE: Record<GgmlType, { id: number; size: number }> = { f32: { id: 0, size: 4 }, f16: { id: 1, size: 2 } };

class ByteList {
  readonly parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
}

function writeValue(out: ByteList, v: GgufValue): void {
  switch (v.type) {
    case 'u32':
      out.u32(VALUE_TYPE.u32);
      out.u32(v.value);
      return;
    case 'i32':
      out.u32(VALUE_TYPE.i32);
      out.i32(v.value);
      return;
    case 'f32':
      out.u32(VALUE_TYPE.f32);
      out.f32(v.value);
      return;
    case 'bool':
      out.u32(VALUE_TYPE.bool);
      out.push(Buffer.from([v.value ? 1 : 0]));
      return;
    case 'string':
      out.u32(VALUE_TYPE.string);
      out.str(v.value);
      return;
    case 'string[]':
      out.u32(VALUE_TYPE.array);
      out.u32(VALUE_TYPE.string);
      out.u64(v.value.length);
      for (const s of v.value) out.str(s);
      return;
    case 'i32[]':
      out.u32(VALUE_TYPE.array);
      out.u32(VALUE_TYPE.i32);
      out.u64(v.value.length);
      for (const n of v.value) out.i32(n);
      return;
  }
}

const padTo = (n: number, a: number): number => (a - (n % a)) % a;

export function tensorByteSize(t: Pick<GgufTensor, 'ne' | 'type'>): number {
  return t.ne.reduce((a, b) => a * b, 1) * TENSOR_TYPE[t.type].size;
}

/** Writes to `<outPath>.partial`, renames on success; returns the size and sha256 of the file. */
export async function writeGguf(opts: {
  outPath: string;
  metadata: ReadonlyArray<readonly [string, GgufValue]>;
  tensors: readonly GgufTensor[];
  onTensor?: (index: number, count: number) => void;
}): Promise<GgufWriteResult> {
  const keys = new Set<string>();
  for (const [k] of opts.metadata) {
    if (keys.has(k)) throw new Error(`duplicate GGUF key ${k}`);
    keys.add(k);
  }
  const head = new ByteList();
  head.u32(GGUF_MAGIC);
  head.u32(GGUF_VERSION);
  head.u64(opts.tensors.length);
  head.u64(opts.metadata.length);
  for (const [k, v] of opts.metadata) {
    head.str(k);
    writeValue(head, v);
  }
  let offset = 0;
  for (const t of opts.tensors) {
    head.str(t.name);
    head.u32(t.ne.length);
    for (const d of t.ne) head.u64(d);
    head.u32(TENSOR_TYPE[t.type].id);
    head.u64(offset);
    const size = tensorByteSize(t);
    offset += size + padTo(size, ALIGNMENT);
  }
  head.push(Buffer.alloc(padTo(head.length, ALIGNMENT)));

  const hash = createHash('sha256');
  const tmp = `${opts.outPath}.partial`;
  const fh = await open(tmp, 'w');
  let written = 0;
  const write = async (chunk: Uint8Array): Promise<void> => {
    hash.update(chunk);
    written += chunk.byteLength;
    await fh.write(chunk);
  };
  try {
    await write(Buffer.concat(head.parts));
    for (const [i, t] of opts.tensors.entries()) {
      const data = t.data();
      const size = tensorByteSize(t);
      if (data.byteLength !== size) throw new Error(`tensor ${t.name}: ${data.byteLength} bytes, expected ${size} for ${t.type} [${t.ne.join(', ')}]`);
      await write(data);
      await write(Buffer.alloc(padTo(size, ALIGNMENT)));
      opts.onTensor?.(i + 1, opts.tensors.length);
    }
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await rename(tmp, opts.outPath);
  return { bytes: written, sha256: hash.digest('hex') };
}

import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { type Ct2Model, type Ct2Variable, float32Bytes, parseCt2Model, toFloat16Bytes, toFloat32 } from './ct2-model';
import { tokenToBytes } from './byte-level-vocab';
import { melFilterbank } from './mel-filterbank';

/**
 * Converts a CTranslate2 Whisper model (WhisperSpec, as made by ct2-transformers-converter from a
 * Hugging Face checkpoint) to the legacy ggml file whisper.cpp loads: magic, 11 int32 hparams,
 * the mel filterbank, the byte-level vocabulary up to <|endoftext|>, then every tensor under its
 * OpenAI name (f16 for matrices, f32 for vectors, conv biases and positional embeddings).
 */

const GGML_MAGIC = 0x67676d6c;
const SAMPLE_RATE = 16000;
const N_FFT = 400;

type Kind = 'f16' | 'f32';
interface OutTensor {
  name: string;
  /** numpy order (outermost first); written reversed as ggml ne[]. */
  shape: number[];
  kind: Kind;
  bytes: () => Uint8Array;
}

export interface WhisperHparams {
  nVocab: number;
  nAudioCtx: number;
  nAudioState: number;
  nAudioHead: number;
  nAudioLayer: number;
  nTextCtx: number;
  nTextState: number;
  nTextHead: number;
  nTextLayer: number;
  nMels: number;
}

export interface ConvertResult {
  hparams: WhisperHparams;
  tensorCount: number;
  vocabWritten: number;
  bytes: number;
  sha256: string;
}

export async function convertCt2WhisperToGgml(opts: {
  modelBin: Uint8Array;
  /** vocabulary.txt of the CTranslate2 model, one byte-level token per line, index = token id. */
  vocabulary: string[];
  outPath: string;
  onProgress?: (fraction: number) => void;
}): Promise<ConvertResult> {
  const model = parseCt2Model(opts.modelBin);
  if (model.specName !== 'WhisperSpec') throw new Error(`expected a WhisperSpec model, got ${model.specName}`);
  const hparams = readHparams(model);
  const tensors = planTensors(model, hparams);

  const eot = opts.vocabulary.indexOf('<|endoftext|>');
  if (eot <= 0) throw new Error('vocabulary has no <|endoftext|> token');
  // whisper.cpp derives every special token id from n_vocab and names them itself, like the
  // reference converters, which write only the ordinary BPE tokens.
  const textTokens = opts.vocabulary.slice(0, eot);

  const hash = createHash('sha256');
  const tmp = `${opts.outPath}.partial`;
  const fh = await open(tmp, 'w');
  let written = 0;
  const write = async (chunk: Uint8Array): Promise<void> => {
    hash.update(chunk);
    written += chunk.byteLength;
    await fh.write(chunk);
  };
  const int32s = (...values: number[]): Uint8Array => {
    const b = Buffer.alloc(4 * values.length);
    values.forEach((v, i) => b.writeInt32LE(v, i * 4));
    return b;
  };

  try {
    const h = hparams;
    await write(int32s(GGML_MAGIC, h.nVocab, h.nAudioCtx, h.nAudioState, h.nAudioHead, h.nAudioLayer, h.nTextCtx, h.nTextState, h.nTextHead, h.nTextLayer, h.nMels, 1));

    const filters = melFilterbank({ sampleRate: SAMPLE_RATE, nFft: N_FFT, nMels: h.nMels });
    await write(int32s(h.nMels, filters[0]!.length));
    for (const row of filters) await write(float32Bytes(row));

    const vocabParts: Uint8Array[] = [int32s(textTokens.length)];
    for (const token of textTokens) {
      const bytes = tokenToBytes(token);
      vocabParts.push(int32s(bytes.length), bytes);
    }
    await write(Buffer.concat(vocabParts));

    const total = tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
    let done = 0;
    for (const t of tensors) {
      const name = Buffer.from(t.name, 'utf8');
      const dims = [...t.shape].reverse();
      await write(Buffer.concat([int32s(dims.length, name.length, t.kind === 'f16' ? 1 : 0, ...dims), name]));
      const data = t.bytes();
      const expected = t.shape.reduce((x, y) => x * y, 1) * (t.kind === 'f16' ? 2 : 4);
      if (data.byteLength !== expected) throw new Error(`tensor ${t.name}: ${data.byteLength} bytes, expected ${expected}`);
      await write(data);
      done += expected / (t.kind === 'f16' ? 2 : 4);
      opts.onProgress?.(done / total);
    }
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await rename(tmp, opts.outPath);
  return { hparams, tensorCount: tensors.length, vocabWritten: textTokens.length, bytes: written, sha256: hash.digest('hex') };
}

function variable(model: Ct2Model, name: string): Ct2Variable {
  const v = model.variables.get(name);
  if (!v) throw new Error(`CTranslate2 model lacks variable ${name}`);
  return v;
}

function scalar(model: Ct2Model, name: string): number | undefined {
  const v = model.variables.get(name);
  if (!v) return undefined;
  const dv = new DataView(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  if (v.dtype === 'int8') return dv.getInt8(0);
  if (v.dtype === 'int16') return dv.getInt16(0, true);
  if (v.dtype === 'int32') return dv.getInt32(0, true);
  return toFloat32(v)[0];
}

function countLayers(model: Ct2Model, stack: 'encoder' | 'decoder'): number {
  let n = 0;
  while (model.variables.has(`${stack}/layer_${n}/ffn/linear_0/weight`)) n++;
  return n;
}

export function readHparams(model: Ct2Model): WhisperHparams {
  const audioPos = variable(model, 'encoder/position_encodings/encodings').shape;
  const textPos = variable(model, 'decoder/position_encodings/encodings').shape;
  const embed = variable(model, 'decoder/embeddings/weight').shape;
  const conv1 = variable(model, 'encoder/conv1/weight').shape;
  const state = audioPos[1]!;
  // Whisper uses 64-dimensional heads in every size; older specs do not store num_heads.
  const nAudioHead = scalar(model, 'encoder/num_heads') ?? state / 64;
  const nTextHead = scalar(model, 'decoder/num_heads') ?? textPos[1]! / 64;
  return {
    nVocab: embed[0]!,
    nAudioCtx: audioPos[0]!,
    nAudioState: state,
    nAudioHead,
    nAudioLayer: countLayers(model, 'encoder'),
    nTextCtx: textPos[0]!,
    nTextState: textPos[1]!,
    nTextHead,
    nTextLayer: countLayers(model, 'decoder'),
    nMels: conv1[1]!,
  };
}

function planTensors(model: Ct2Model, h: WhisperHparams): OutTensor[] {
  const out: OutTensor[] = [];
  const scaleOf = (name: string): Ct2Variable | undefined => model.variables.get(`${name.replace(/\/weight$/, '')}/weight_scale`);

  const f16 = (name: string, ct2: string, rows?: [number, number]): void => {
    const v = variable(model, ct2);
    const cols = v.shape.slice(1).reduce((a, b) => a * b, 1);
    const shape = rows ? [rows[1] - rows[0], ...v.shape.slice(1)] : v.shape;
    out.push({
      name,
      shape,
      kind: 'f16',
      bytes: () => {
        const all = toFloat16Bytes(v, scaleOf(ct2));
        return rows ? all.subarray(rows[0] * cols * 2, rows[1] * cols * 2) : all;
      },
    });
  };
  const f32 = (name: string, ct2: string, opts: { range?: [number, number]; asColumn?: boolean } = {}): void => {
    const v = variable(model, ct2);
    const len = opts.range ? opts.range[1] - opts.range[0] : v.shape.reduce((a, b) => a * b, 1);
    const shape = opts.asColumn ? [len, 1] : opts.range ? [len] : v.shape;
    out.push({
      name,
      shape,
      kind: 'f32',
      bytes: () => {
        const all = toFloat32(v);
        return float32Bytes(opts.range ? all.subarray(opts.range[0], opts.range[1]) : all);
      },
    });
  };
  const norm = (name: string, ct2: string): void => {
    f32(`${name}.weight`, `${ct2}/gamma`);
    f32(`${name}.bias`, `${ct2}/beta`);
  };
  const linear = (name: string, ct2: string, rows?: [number, number], withBias = true): void => {
    f16(`${name}.weight`, `${ct2}/weight`, rows);
    if (withBias) f32(`${name}.bias`, `${ct2}/bias`, rows ? { range: rows } : {});
  };
  // Self-attention q,k,v are fused in CTranslate2 (rows q | k | v). Whisper's key projection has
  // no bias (the fused bias is zero there) and a key bias would not change softmax anyway.
  const fusedQkv = (prefix: string, ct2: string, d: number): void => {
    linear(`${prefix}.query`, ct2, [0, d]);
    linear(`${prefix}.key`, ct2, [d, 2 * d], false);
    linear(`${prefix}.value`, ct2, [2 * d, 3 * d]);
  };

  const da = h.nAudioState;
  f32('encoder.positional_embedding', 'encoder/position_encodings/encodings');
  f16('encoder.conv1.weight', 'encoder/conv1/weight');
  f32('encoder.conv1.bias', 'encoder/conv1/bias', { asColumn: true });
  f16('encoder.conv2.weight', 'encoder/conv2/weight');
  f32('encoder.conv2.bias', 'encoder/conv2/bias', { asColumn: true });
  for (let i = 0; i < h.nAudioLayer; i++) {
    const p = `encoder.blocks.${i}`;
    const c = `encoder/layer_${i}`;
    norm(`${p}.attn_ln`, `${c}/self_attention/layer_norm`);
    fusedQkv(`${p}.attn`, `${c}/self_attention/linear_0`, da);
    linear(`${p}.attn.out`, `${c}/self_attention/linear_1`);
    norm(`${p}.mlp_ln`, `${c}/ffn/layer_norm`);
    linear(`${p}.mlp.0`, `${c}/ffn/linear_0`);
    linear(`${p}.mlp.2`, `${c}/ffn/linear_1`);
  }
  norm('encoder.ln_post', 'encoder/layer_norm');

  const dt = h.nTextState;
  f32('decoder.positional_embedding', 'decoder/position_encodings/encodings');
  f16('decoder.token_embedding.weight', 'decoder/embeddings/weight');
  for (let i = 0; i < h.nTextLayer; i++) {
    const p = `decoder.blocks.${i}`;
    const c = `decoder/layer_${i}`;
    norm(`${p}.attn_ln`, `${c}/self_attention/layer_norm`);
    fusedQkv(`${p}.attn`, `${c}/self_attention/linear_0`, dt);
    linear(`${p}.attn.out`, `${c}/self_attention/linear_1`);
    norm(`${p}.cross_attn_ln`, `${c}/attention/layer_norm`);
    linear(`${p}.cross_attn.query`, `${c}/attention/linear_0`);
    // Cross-attention k,v are fused (rows k | v) and read from the encoder output.
    linear(`${p}.cross_attn.key`, `${c}/attention/linear_1`, [0, dt], false);
    linear(`${p}.cross_attn.value`, `${c}/attention/linear_1`, [dt, 2 * dt]);
    linear(`${p}.cross_attn.out`, `${c}/attention/linear_2`);
    norm(`${p}.mlp_ln`, `${c}/ffn/layer_norm`);
    linear(`${p}.mlp.0`, `${c}/ffn/linear_0`);
    linear(`${p}.mlp.2`, `${c}/ffn/linear_1`);
  }
  norm('decoder.ln', 'decoder/layer_norm');
  return out;
}

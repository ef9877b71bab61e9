import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { BertConversionError, bertVocabulary, convertBertToGguf, ggufTensorName } from './bert-to-gguf';
import { parseSafetensors, SafetensorsError } from './safetensors';

/** A safetensors file the way the Python library writes it (JSON header, then the F32 data). */
function safetensors(tensors: Record<string, { shape: number[]; values?: number[] }>): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const data: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const b = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) b.writeFloatLE(t.values?.[i] ?? Math.sin(i + name.length) / 10, i * 4);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + b.length] };
    data.push(b);
    offset += b.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...data]);
}

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'walk', '##ing', 'you', '?', 'the'];
const H = 8;
const FF = 16;

function tinyBert() {
  const tensors: Record<string, { shape: number[] }> = {
    'embeddings.position_ids': { shape: [1, 16] },
    'embeddings.word_embeddings.weight': { shape: [VOCAB.length, H] },
    'embeddings.position_embeddings.weight': { shape: [16, H] },
    'embeddings.token_type_embeddings.weight': { shape: [2, H] },
    'embeddings.LayerNorm.weight': { shape: [H] },
    'embeddings.LayerNorm.bias': { shape: [H] },
    'pooler.dense.weight': { shape: [H, H] },
    'pooler.dense.bias': { shape: [H] },
  };
  const layer = (p: string, out: number, inp: number) => {
    tensors[`encoder.layer.0.${p}.weight`] = { shape: out === 0 ? [inp] : [out, inp] };
    tensors[`encoder.layer.0.${p}.bias`] = { shape: [out || inp] };
  };
  for (const p of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) layer(p, H, H);
  layer('attention.output.LayerNorm', 0, H);
  layer('intermediate.dense', FF, H);
  layer('output.dense', H, FF);
  layer('output.LayerNorm', 0, H);
  return {
    config: { architectures: ['BertModel'], model_type: 'bert', hidden_act: 'gelu', hidden_size: H, intermediate_size: FF, num_attention_heads: 2, num_hidden_layers: 1, max_position_embeddings: 16, type_vocab_size: 2, vocab_size: VOCAB.length, layer_norm_eps: 1e-12 },
    tokenizer: {
      normalizer: { type: 'BertNormalizer', lowercase: true, strip_accents: null },
      model: { type: 'WordPiece', continuing_subword_prefix: '##', vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])) },
      added_tokens: VOCAB.slice(0, 5).map((content, id) => ({ id, content, special: true })),
    },
    pooling: { pooling_mode_mean_tokens: true },
    safetensors: safetensors(tensors),
  };
}

describe('BERT → GGUF naming and vocabulary', () => {
  it('maps Hugging Face BERT parameter names to llama.cpp tensor names and drops the pooler', () => {
    expect(ggufTensorName('embeddings.word_embeddings.weight')).toBe('token_embd.weight');
    expect(ggufTensorName('bert.embeddings.LayerNorm.bias')).toBe('token_embd_norm.bias');
    expect(ggufTensorName('encoder.layer.3.attention.self.value.bias')).toBe('blk.3.attn_v.bias');
    expect(ggufTensorName('encoder.layer.0.attention.output.LayerNorm.weight')).toBe('blk.0.attn_output_norm.weight');
    expect(ggufTensorName('encoder.layer.5.output.dense.weight')).toBe('blk.5.ffn_down.weight');
    expect(ggufTensorName('encoder.layer.5.output.LayerNorm.weight')).toBe('blk.5.layer_output_norm.weight');
    expect(ggufTensorName('pooler.dense.weight')).toBeUndefined();
    expect(ggufTensorName('embeddings.position_ids')).toBeUndefined();
  });

  it('writes WordPiece tokens in phantom-space form, control tokens unchanged, missing ids as unused', () => {
    const v = bertVocabulary(tinyBert().tokenizer, VOCAB.length + 1);
    expect(v.tokens.slice(0, 7)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '\u2581walk', 'ing']);
    expect(v.types.slice(0, 6)).toEqual([3, 3, 3, 3, 3, 1]);
    expect(v.tokens.at(-1)).toBe(`[PAD${VOCAB.length}]`);
    expect(v.types.at(-1)).toBe(5);
    expect(v.special).toEqual({ pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 });
  });
});

describe('convertBertToGguf', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('writes a GGUF that node-llama-cpp reads as a mean-pooled, non-causal bert model with every tensor', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fe-bert-gguf-'));
    dirs.push(dir);
    const out = path.join(dir, 'tiny.gguf');
    const r = await convertBertToGguf({ source: tinyBert(), outPath: out, type: 'f16', name: 'tiny-bert', license: 'apache-2.0' });
    expect(r.tensorCount).toBe(5 + 16);
    const info = await readGgufFileInfo(out);
    const meta = info.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(meta.general).toMatchObject({ architecture: 'bert', name: 'tiny-bert', license: 'apache-2.0', file_type: 1 });
    expect(meta.bert).toMatchObject({ block_count: 1, embedding_length: H, feed_forward_length: FF, context_length: 16, pooling_type: 1, attention: { head_count: 2, causal: false } });
    expect(meta.tokenizer!.ggml).toMatchObject({ model: 'bert', token_type_count: 2, bos_token_id: 2, seperator_token_id: 3, add_bos_token: true, add_sep_token: true });
    const tensors = new Map(info.fullTensorInfo!.map((t) => [t.name, t]));
    expect([...tensors.keys()]).not.toContain('pooler.dense.weight');
    // ggml order is numpy's reversed; matrices f16 (type 1), vectors and position/type embeddings f32 (type 0)
    expect(tensors.get('token_embd.weight')).toMatchObject({ dimensions: [H, VOCAB.length], ggmlType: 1 });
    expect(tensors.get('blk.0.ffn_up.weight')).toMatchObject({ dimensions: [H, FF], ggmlType: 1 });
    expect(tensors.get('blk.0.ffn_up.bias')).toMatchObject({ dimensions: [FF], ggmlType: 0 });
    expect(tensors.get('position_embd.weight')).toMatchObject({ ggmlType: 0 });
    expect(tensors.get('token_types.weight')).toMatchObject({ ggmlType: 0 });
    expect(tensors.get('blk.0.attn_output_norm.weight')).toMatchObject({ ggmlType: 0 });
  });

  it('is deterministic: the same input gives the same bytes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fe-bert-gguf-'));
    dirs.push(dir);
    const a = await convertBertToGguf({ source: tinyBert(), outPath: path.join(dir, 'a.gguf'), type: 'f32', name: 't', license: 'x' });
    const b = await convertBertToGguf({ source: tinyBert(), outPath: path.join(dir, 'b.gguf'), type: 'f32', name: 't', license: 'x' });
    expect(a.sha256).toBe(b.sha256);
  });

  it('refuses a model that lacks tensors, a truncated safetensors file, and a non-BERT config', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fe-bert-gguf-'));
    dirs.push(dir);
    const out = path.join(dir, 'x.gguf');
    const src = tinyBert();
    const truncated = { ...src, safetensors: src.safetensors.subarray(0, src.safetensors.length - 7) };
    await expect(convertBertToGguf({ source: truncated, outPath: out, type: 'f32', name: 't', license: 'x' })).rejects.toThrow(BertConversionError);
    const noFfn = { ...src, safetensors: safetensors({ 'embeddings.word_embeddings.weight': { shape: [VOCAB.length, H] } }) };
    await expect(convertBertToGguf({ source: noFfn, outPath: out, type: 'f32', name: 't', license: 'x' })).rejects.toThrow(/lacks .* tensors/);
    await expect(convertBertToGguf({ source: { ...src, config: { ...src.config, model_type: 'gpt2' } }, outPath: out, type: 'f32', name: 't', license: 'x' })).rejects.toThrow(BertConversionError);
  });
});

describe('parseSafetensors', () => {
  it('reads dtype, shape and data, and rejects a header that points past the end', () => {
    const file = safetensors({ w: { shape: [2, 2], values: [1, 2, 3, 4] } });
    const t = parseSafetensors(file).get('w')!;
    expect(t).toMatchObject({ dtype: 'F32', shape: [2, 2] });
    expect(new DataView(t.data.buffer, t.data.byteOffset).getFloat32(12, true)).toBe(4);
    expect(() => parseSafetensors(file.subarray(0, file.length - 4))).toThrow(SafetensorsError);
    expect(() => parseSafetensors(Buffer.from('not a model at all'))).toThrow(SafetensorsError);
  });
});

import { z } from 'zod';
import { floatToHalf } from '../../stt/model/ct2-model';
import { type GgmlType, type GgufTensor, type GgufValue, type GgufWriteResult, writeGguf } from './gguf-writer';
import { parseSafetensors, type SafeTensor, tensorToFloat32 } from './safetensors';

/**
 * Converts a Hugging Face BERT sentence-embedding model (sentence-transformers layout:
 * config.json, tokenizer.json, model.safetensors, 1_Pooling/config.json) into a GGUF file for
 * llama.cpp's `bert` architecture, which node-llama-cpp's embedding context runs.
 *
 * The layout follows llama.cpp's own converter (conversion/bert.py and gguf-py, read for the
 * facts only): WordPiece vocabulary rewritten to "phantom space" form ("##ing" → "ing",
 * "walk" → "▁walk", control tokens unchanged), `tokenizer.ggml.model = "bert"`, the token-type
 * count, non-causal attention, the pooling type from the pooling config, and these tensor names.
 * With `f16`, matrices are half precision and vectors, norms, position and token-type
 * embeddings stay f32, as llama.cpp's converter does.
 */

export class BertConversionError extends Error {}

const BertConfig = z.object({
  architectures: z.array(z.string()).optional(),
  model_type: z.literal('bert'),
  hidden_act: z.literal('gelu'),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  max_position_embeddings: z.number().int().positive(),
  type_vocab_size: z.number().int().positive(),
  vocab_size: z.number().int().positive(),
  layer_norm_eps: z.number().positive(),
  position_embedding_type: z.literal('absolute').optional(),
});

const TokenizerJson = z.object({
  normalizer: z.object({ type: z.literal('BertNormalizer'), lowercase: z.boolean(), strip_accents: z.boolean().nullable().optional() }),
  model: z.object({ type: z.literal('WordPiece'), vocab: z.record(z.string(), z.number().int().nonnegative()), continuing_subword_prefix: z.literal('##').optional() }),
  added_tokens: z.array(z.object({ id: z.number().int().nonnegative(), content: z.string(), special: z.boolean() })),
});

const PoolingConfig = z.object({
  pooling_mode_mean_tokens: z.boolean().optional(),
  pooling_mode_cls_token: z.boolean().optional(),
});

/** gguf TokenType */
const TOKEN = { normal: 1, control: 3, userDefined: 4, unused: 5 } as const;
/** llama_pooling_type */
const POOLING = { mean: 1, cls: 2 } as const;

export interface BertSource {
  config: unknown;
  tokenizer: unknown;
  pooling: unknown;
  safetensors: Uint8Array;
}

export interface BertConversionResult extends GgufWriteResult {
  tensorCount: number;
  vocabSize: number;
  pooling: keyof typeof POOLING;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new BertConversionError(`${what} is not a supported BERT file: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
  return r.data;
}

export function bertVocabulary(tokenizerJson: unknown, vocabSize: number): { tokens: string[]; types: number[]; special: Record<'unk' | 'sep' | 'pad' | 'cls' | 'mask', number> } {
  const tok = parseOrThrow(TokenizerJson, tokenizerJson, 'tokenizer.json');
  const byId = new Map<number, string>();
  for (const [text, id] of Object.entries(tok.model.vocab)) byId.set(id, text);
  const added = new Map(tok.added_tokens.map((t) => [t.id, t]));
  const tokens: string[] = [];
  const types: number[] = [];
  for (let id = 0; id < vocabSize; id++) {
    const text = byId.get(id);
    if (text === undefined) {
      tokens.push(`[PAD${id}]`);
      types.push(TOKEN.unused);
      continue;
    }
    const a = added.get(id);
    const type = a ? (a.special ? TOKEN.control : TOKEN.userDefined) : TOKEN.normal;
    types.push(type);
    tokens.push(type === TOKEN.control ? text : text.startsWith('##') ? text.slice(2) : `\u2581${text}`);
  }
  const idOf = (content: string): number => {
    const t = tok.added_tokens.find((x) => x.content === content && x.special);
    if (!t) throw new BertConversionError(`tokenizer.json has no special token ${content}`);
    return t.id;
  };
  return { tokens, types, special: { unk: idOf('[UNK]'), sep: idOf('[SEP]'), pad: idOf('[PAD]'), cls: idOf('[CLS]'), mask: idOf('[MASK]') } };
}

/** HF parameter name → GGUF tensor name (undefined: not used for embeddings). */
export function ggufTensorName(hfName: string): string | undefined {
  const name = hfName.startsWith('bert.') ? hfName.slice(5) : hfName;
  const fixed: Record<string, string> = {
    'embeddings.word_embeddings.weight': 'token_embd.weight',
    'embeddings.position_embeddings.weight': 'position_embd.weight',
    'embeddings.token_type_embeddings.weight': 'token_types.weight',
    'embeddings.LayerNorm.weight': 'token_embd_norm.weight',
    'embeddings.LayerNorm.bias': 'token_embd_norm.bias',
  };
  if (fixed[name]) return fixed[name];
  const m = /^encoder\.layer\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
  if (!m) return undefined;
  const part: Record<string, string> = {
    'attention.self.query': 'attn_q',
    'attention.self.key': 'attn_k',
    'attention.self.value': 'attn_v',
    'attention.output.dense': 'attn_output',
    'attention.output.LayerNorm': 'attn_output_norm',
    'intermediate.dense': 'ffn_up',
    'output.dense': 'ffn_down',
    'output.LayerNorm': 'layer_output_norm',
  };
  const p = part[m[2]!];
  return p ? `blk.${m[1]}.${p}.${m[3]}` : undefined;
}

function tensorType(ggufName: string, dims: number, want: GgmlType): GgmlType {
  if (want === 'f32' || dims <= 1 || ggufName.endsWith('_norm.weight')) return 'f32';
  if (ggufName === 'position_embd.weight' || ggufName === 'token_types.weight') return 'f32';
  return 'f16';
}

function tensorBytes(t: SafeTensor, type: GgmlType): Uint8Array {
  const f = tensorToFloat32(t);
  if (type === 'f32') return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  const out = Buffer.alloc(f.length * 2);
  for (let i = 0; i < f.length; i++) out.writeUInt16LE(floatToHalf(f[i]!), i * 2);
  return out;
}

const EXPECTED_PER_LAYER = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'attn_output_norm', 'ffn_up', 'ffn_down', 'layer_output_norm'];

export async function convertBertToGguf(opts: {
  source: BertSource;
  outPath: string;
  type: GgmlType;
  name: string;
  license: string;
  onProgress?: (fraction: number) => void;
}): Promise<BertConversionResult> {
  const config = parseOrThrow(BertConfig, opts.source.config, 'config.json');
  if (config.architectures && !config.architectures.some((a) => a === 'BertModel' || a === 'BertForMaskedLM')) {
    throw new BertConversionError(`config.json architectures ${config.architectures.join(', ')} is not a BERT encoder`);
  }
  const pooling = parseOrThrow(PoolingConfig, opts.source.pooling, '1_Pooling/config.json');
  const poolingType: keyof typeof POOLING = pooling.pooling_mode_mean_tokens ? 'mean' : pooling.pooling_mode_cls_token ? 'cls' : (() => {
    throw new BertConversionError('1_Pooling/config.json: only mean or CLS pooling is supported');
  })();
  const tokenizer = parseOrThrow(TokenizerJson, opts.source.tokenizer, 'tokenizer.json');
  const vocab = bertVocabulary(opts.source.tokenizer, config.vocab_size);
  let tensorsIn: Map<string, SafeTensor>;
  try {
    tensorsIn = parseSafetensors(opts.source.safetensors);
  } catch (e) {
    throw new BertConversionError(`model.safetensors: ${(e as Error).message}`);
  }

  const tensors: GgufTensor[] = [];
  const seen = new Set<string>();
  for (const t of tensorsIn.values()) {
    const name = ggufTensorName(t.name);
    if (!name) continue;
    const type = tensorType(name, t.shape.length, opts.type);
    seen.add(name);
    tensors.push({ name, ne: [...t.shape].reverse(), type, data: () => tensorBytes(t, type) });
  }
  const required = ['token_embd.weight', 'position_embd.weight', 'token_types.weight', 'token_embd_norm.weight', 'token_embd_norm.bias'];
  for (let i = 0; i < config.num_hidden_layers; i++) for (const p of EXPECTED_PER_LAYER) required.push(`blk.${i}.${p}.weight`, `blk.${i}.${p}.bias`);
  const missing = required.filter((n) => !seen.has(n));
  if (missing.length) throw new BertConversionError(`model.safetensors lacks ${missing.length} tensors the BERT graph needs, e.g. ${missing.slice(0, 3).join(', ')}`);
  const tokEmbd = tensors.find((t) => t.name === 'token_embd.weight')!;
  if (tokEmbd.ne[0] !== config.hidden_size || tokEmbd.ne[1] !== config.vocab_size) {
    throw new BertConversionError(`token_embd is [${tokEmbd.ne.join(', ')}], config says [${config.hidden_size}, ${config.vocab_size}]`);
  }
  // Deterministic order: embeddings first, then layers in order, as llama.cpp's converter writes them.
  const rank = (n: string): number => {
    const m = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(n);
    if (!m) return required.indexOf(n);
    return 100 + Number(m[1]) * 100 + EXPECTED_PER_LAYER.indexOf(m[2]!) * 2 + (m[3] === 'bias' ? 1 : 0);
  };
  tensors.sort((a, b) => rank(a.name) - rank(b.name));

  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const metadata: Array<readonly [string, GgufValue]> = [
    ['general.architecture', { type: 'string', value: 'bert' }],
    ['general.name', { type: 'string', value: opts.name }],
    ['general.license', { type: 'string', value: opts.license }],
    ['general.file_type', u32(opts.type === 'f16' ? 1 : 0)],
    ['bert.block_count', u32(config.num_hidden_layers)],
    ['bert.context_length', u32(config.max_position_embeddings)],
    ['bert.embedding_length', u32(config.hidden_size)],
    ['bert.feed_forward_length', u32(config.intermediate_size)],
    ['bert.attention.head_count', u32(config.num_attention_heads)],
    ['bert.attention.layer_norm_epsilon', { type: 'f32', value: config.layer_norm_eps }],
    ['bert.attention.causal', { type: 'bool', value: false }],
    ['bert.pooling_type', u32(POOLING[poolingType])],
    ['tokenizer.ggml.model', { type: 'string', value: 'bert' }],
    // llama.cpp reads pre-tokenizer names for BPE vocabularies only; WordPiece always uses its own.
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.token_type_count', u32(config.type_vocab_size)],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: vocab.tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: vocab.types }],
    ['tokenizer.ggml.normalizer.lowercase', { type: 'bool', value: tokenizer.normalizer.lowercase }],
    // BertNormalizer: strip_accents unset means "same as lowercase".
    ['tokenizer.ggml.normalizer.strip_accents', { type: 'bool', value: tokenizer.normalizer.strip_accents ?? tokenizer.normalizer.lowercase }],
    ['tokenizer.ggml.bos_token_id', u32(vocab.special.cls)],
    ['tokenizer.ggml.cls_token_id', u32(vocab.special.cls)],
    ['tokenizer.ggml.seperator_token_id', u32(vocab.special.sep)],
    ['tokenizer.ggml.unknown_token_id', u32(vocab.special.unk)],
    ['tokenizer.ggml.padding_token_id', u32(vocab.special.pad)],
    ['tokenizer.ggml.mask_token_id', u32(vocab.special.mask)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_sep_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ];

  const result = await writeGguf({ outPath: opts.outPath, metadata, tensors, onTensor: (i, n) => opts.onProgress?.(i / n) });
  return { ...result, tensorCount: tensors.length, vocabSize: vocab.tokens.length, pooling: poolingType };
}

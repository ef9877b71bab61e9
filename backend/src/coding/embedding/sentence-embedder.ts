import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { LlamaEmbeddingContext, LlamaModel, Token } from 'node-llama-cpp';
import { AppError } from '../../../../app/contracts/errors';
import { sha256File } from '../../../../files/file-digest';
import { sharedLlama } from '../../llm/shared-llama';

export type EmbedderLog = { warn(obj: object, msg?: string): void };

/** sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (sentence_bert_config.json). */
const MAX_SEQUENCE_TOKENS = 256;
/** [CLS] and [SEP], added by node-llama-cpp's embedding context. */
const SPECIAL_TOKENS = 2;

/**
 * Sentence embeddings (all-MiniLM-L6-v2 as GGUF) computed by node-llama-cpp's embedding
 * context: BERT encoder, mean pooling (from the GGUF's pooling type), then L2 normalisation as
 * sentence-transformers' Normalize module does. One sequence at a time, in order.
 */
export class SentenceEmbedder {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly model: LlamaModel,
    private readonly context: LlamaEmbeddingContext,
    readonly dimension: number,
  ) {}

  /**
   * Loads the GGUF after checking its sha256 (when given) so a damaged or substituted file is
   * refused before llama.cpp parses it.
   */
  static async load(opts: { modelPath: string; sha256?: string; threads?: number; log?: EmbedderLog }): Promise<SentenceEmbedder> {
    const size = await stat(opts.modelPath).then((s) => (s.isFile() ? s.size : null), () => null);
    if (size === null) throw new AppError('embedding.model_missing', `sentence-embedding model not found at ${opts.modelPath}: run npm run setup`, { details: { file: opts.modelPath } });
    if (opts.sha256) {
      const actual = await sha256File(opts.modelPath);
      if (actual !== opts.sha256) {
        throw new AppError('embedding.model_checksum_mismatch', `${opts.modelPath} has sha256 ${actual}, expected ${opts.sha256}: run npm run setup to rebuild it`, {
          details: { file: opts.modelPath, expected: opts.sha256, actual },
        });
      }
    }
    const llama = await sharedLlama(opts.log);
    let model: LlamaModel | undefined;
    try {
      model = await llama.loadModel({ modelPath: opts.modelPath });
      if (model.fileInfo.metadata.general.architecture !== 'bert') throw new Error(`architecture ${String(model.fileInfo.metadata.general.architecture)}, expected bert`);
      const context = await model.createEmbeddingContext({
        // node-llama-cpp wants the input strictly shorter than the context.
        contextSize: 2 * MAX_SEQUENCE_TOKENS,
        batchSize: 2 * MAX_SEQUENCE_TOKENS,
        // One unit is ~20 tokens: a second thread mostly waits for the first, and on a loaded
        // 2-core machine it spins (measured 6 s vs 78 s per 100 units at load 11; decision 012).
        threads: Math.max(1, Math.min(opts.threads ?? 1, availableParallelism())),
      });
      return new SentenceEmbedder(model, context, model.embeddingVectorSize);
    } catch (cause) {
      await model?.dispose();
      throw new AppError('embedding.model_invalid', `could not load the sentence-embedding model ${opts.modelPath}: ${(cause as Error).message}`, { cause, details: { file: opts.modelPath } });
    }
  }

  /** Unit-length embeddings, one per text, in order. An empty text gets the zero vector. */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new AppError('embedding.model_missing', 'the sentence embedder is closed'));
    const run = this.tail.then(() => this.embedNow(texts));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
    await this.context.dispose();
    await this.model.dispose();
  }

  private async embedNow(texts: readonly string[]): Promise<Float32Array[]> {
    // Transcripts repeat short units ("Okay.", "Mm-hm."): embed each distinct text once.
    const distinct = new Map<string, Float32Array>();
    for (const text of texts) {
      const key = text.trim();
      if (distinct.has(key)) continue;
      distinct.set(key, key ? await this.embedOne(key) : new Float32Array(this.dimension));
    }
    return texts.map((t) => distinct.get(t.trim())!);
  }

  private async embedOne(text: string): Promise<Float32Array> {
    let tokens: Token[] = this.model.tokenize(text);
    if (tokens.length > MAX_SEQUENCE_TOKENS - SPECIAL_TOKENS) tokens = tokens.slice(0, MAX_SEQUENCE_TOKENS - SPECIAL_TOKENS);
    const { vector } = await this.context.getEmbeddingFor(tokens);
    const out = Float32Array.from(vector);
    let norm = 0;
    for (const v of out) norm += v * v;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
    return out;
  }
}

import { AppError } from '../../../../app/contracts/errors';
import type { CodingAnswer } from '../../../../app/rubric/model-output';
import type { RubricCoding } from '../../../../app/rubric/rubric';
import type { SentenceEmbedder } from '../embedding/sentence-embedder';
import type { UnitCoder, UnitCodingInput, UnitCodingResult } from '../unit-coder';
import { toSoftmaxModel, type ClassifierWeights } from './classifier-weights';
import { predictClass, type SoftmaxModel } from './softmax-regression';
import { clinicianFeatures } from './unit-features';

export const CLASSIFIER_NAME = 'all-MiniLM-L6-v2 + softmax regression';

export interface ClassifierCoderOptions {
  embedder: Pick<SentenceEmbedder, 'embed' | 'dimension'>;
  /** One trained classifier per code book; the coder picks the one whose codes are the book's. */
  weights: readonly ClassifierWeights[];
  /** sha256 of the embedding model the embedder loaded: weights trained on another model are refused. */
  embeddingSha256: string;
}

const sameCodes = (book: RubricCoding, w: ClassifierWeights) => book.codes.length === w.codes.length && book.codes.every((c, i) => c.id === w.codes[i]);

/**
 * The trained-classifier `UnitCoder` (docs/decisions/012): embeds every unit once, builds each
 * clinician unit's features and gives it the most probable code. No model calls; every clinician
 * unit gets a code.
 */
export function createClassifierCoder(opts: ClassifierCoderOptions): UnitCoder {
  const models = new Map<ClassifierWeights, SoftmaxModel>();
  for (const w of opts.weights) {
    if (w.embedding.sha256 !== opts.embeddingSha256) {
      throw new AppError('coder.weights_invalid', `the classifier for "${w.rubric.id}" was trained on embedding model ${w.embedding.sha256.slice(0, 12)}…, not the loaded ${opts.embeddingSha256.slice(0, 12)}…: run npm run train:coder`);
    }
    if (w.embedding.dimension !== opts.embedder.dimension) throw new AppError('coder.weights_invalid', `the classifier for "${w.rubric.id}" expects ${w.embedding.dimension}-dimensional embeddings, the model gives ${opts.embedder.dimension}`);
    models.set(w, toSoftmaxModel(w));
  }
  const version = [...new Set(opts.weights.map((w) => w.version))].join(',');
  return {
    info: { kind: 'classifier', name: `${CLASSIFIER_NAME} v${version}` },
    async code(input: UnitCodingInput): Promise<UnitCodingResult> {
      const weights = opts.weights.find((w) => sameCodes(input.book, w));
      if (!weights) {
        throw new AppError('coder.weights_missing', `no trained classifier for the code book [${input.book.codes.map((c) => c.id).join(', ')}]: train one with npm run train:coder or use the LLM coder`);
      }
      input.signal?.throwIfAborted();
      const embeddings = await opts.embedder.embed(input.units.map((u) => u.text));
      input.signal?.throwIfAborted();
      input.onProgress?.(0.9);
      const model = models.get(weights)!;
      const answer: CodingAnswer = {};
      for (const { unitId, row } of clinicianFeatures(input.units, embeddings, { parts: weights.features.parts, dimension: weights.embedding.dimension })) {
        answer[unitId] = weights.codes[predictClass(model, row)]!;
      }
      input.onProgress?.(1);
      return { outcome: { ok: true, answer }, usage: { calls: 0, retries: 0, promptTokens: 0, completionTokens: 0 } };
    },
  };
}

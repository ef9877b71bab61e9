import { embeddingModelPath, readEmbeddingManifest } from '../embedding/embedding-manifest';
import { SentenceEmbedder, type EmbedderLog } from '../embedding/sentence-embedder';
import type { UnitCoder } from '../unit-coder';
import { createClassifierCoder } from './classifier-coder';
import { defaultCoderDir, loadClassifierWeights } from './classifier-weights';

export type ClosableCoder = UnitCoder & { close(): Promise<void> };

/**
 * The classifier coder as the product runs it: the embedding model set-up made (checked against
 * the manifest's sha256) and the stored weights of each rubric. Missing or damaged parts fail with
 * embedding.model_missing / embedding.model_checksum_mismatch / coder.weights_missing /
 * coder.weights_invalid before anything is coded.
 */
export async function openClassifierCoder(opts: { dataDir: string; rubricIds: readonly string[]; weightsDir?: string; log?: EmbedderLog }): Promise<ClosableCoder> {
  const weights = await Promise.all(opts.rubricIds.map((id) => loadClassifierWeights(id, opts.weightsDir ?? defaultCoderDir)));
  const manifest = await readEmbeddingManifest();
  const embedder = await SentenceEmbedder.load({ modelPath: embeddingModelPath(opts.dataDir, manifest), sha256: manifest.output.sha256, log: opts.log });
  try {
    const coder = createClassifierCoder({ embedder, weights, embeddingSha256: manifest.output.sha256 });
    return { info: coder.info, code: (input) => coder.code(input), close: () => embedder.close() };
  } catch (e) {
    await embedder.close();
    throw e;
  }
}

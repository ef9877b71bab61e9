import path from 'node:path';
import { embeddingModelPath, readEmbeddingManifest } from '../../backend/src/coding/embedding/embedding-manifest';
import { SentenceEmbedder } from '../../backend/src/coding/embedding/sentence-embedder';
import { sha256File } from '../../files/file-digest';
import { repoRoot } from '../../backend/src/paths';
import { buildCodingConversations, type CodingConversation } from '../evaluation-set/coding-conversations';
import { codingSetPath, loadCodingSet, type CodingItem } from '../evaluation-set/coding-set';
import type { ClassifierWeights } from '../../backend/src/coding/classifier/classifier-weights';

export interface TrainingData {
  train: CodingConversation[];
  embeddings: Map<string, Float32Array>;
  embedding: ClassifierWeights['embedding'];
  trainingSet: { file: string; sha256: string };
}

/** Embeds every distinct unit text of the conversations, once. */
export async function embedConversations(conversations: readonly CodingConversation[], embedder: Pick<SentenceEmbedder, 'embed'>): Promise<Map<string, Float32Array>> {
  const texts = [...new Set(conversations.flatMap((c) => c.units.map((u) => u.text)))];
  const vectors = await embedder.embed(texts);
  return new Map(texts.map((t, i) => [t, vectors[i]!]));
}

/** The TRAIN split as conversations with their embeddings; the test split is not embedded. */
export async function loadTrainingData(opts: { dataDir: string; codingSet?: string; log?: (line: string) => void }): Promise<TrainingData> {
  const file = opts.codingSet ?? codingSetPath;
  const items: CodingItem[] = await loadCodingSet(file);
  const train = buildCodingConversations(items, 'train');
  const manifest = await readEmbeddingManifest();
  const embedder = await SentenceEmbedder.load({ modelPath: embeddingModelPath(opts.dataDir, manifest), sha256: manifest.output.sha256 });
  try {
    const t0 = performance.now();
    const embeddings = await embedConversations(train, embedder);
    opts.log?.(`embedded ${embeddings.size} distinct units of ${train.length} train conversations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return {
      train,
      embeddings,
      embedding: { model: manifest.id, sha256: manifest.output.sha256, dimension: embedder.dimension },
      trainingSet: { file: path.relative(repoRoot, file).split(path.sep).join('/'), sha256: await sha256File(file) },
    };
  } finally {
    await embedder.close();
  }
}

/**
 * npm run train:coder: trains the utterance classifier of both bundled rubrics on the TRAIN split of
 * bench/evaluation-set/coding.jsonl and writes resources/coders/<rubric id>.classifier.json
 * (docs/decisions/012). Deterministic: running it again on the same set and embedding model gives
 * the same files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { classifierWeightsPath, defaultCoderDir } from '../../backend/src/coding/classifier/classifier-weights';
import { defaultDataDir, repoRoot } from '../../backend/src/paths';
import { getRubric } from '../../backend/src/rubrics/rubric-catalog';
import { CODE_SETS, type CodeSetField } from '../evaluation-set/coding-set';
import { loadTrainingData } from './training-data';
import { trainClassifier } from './train-classifier';

export async function trainCoders(opts: { dataDir?: string; outDir?: string; log?: (line: string) => void } = {}): Promise<string[]> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const data = await loadTrainingData({ dataDir: opts.dataDir ?? defaultDataDir, log });
  const outDir = opts.outDir ?? defaultCoderDir;
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const field of Object.keys(CODE_SETS) as CodeSetField[]) {
    const rubric = await getRubric(CODE_SETS[field]);
    const t0 = performance.now();
    const weights = trainClassifier({ rubric, field, train: data.train, embeddings: data.embeddings, embedding: data.embedding, trainingSet: data.trainingSet, onProgress: log });
    const file = classifierWeightsPath(rubric.id, outDir);
    await writeFile(file, `${JSON.stringify(weights)}\n`);
    const best = weights.training.selection.grid.find((g) => g.l2 === weights.training.l2 && g.surfaceScale === weights.training.surfaceScale && g.parts.join() === weights.features.parts.join());
    log(`${rubric.id}: chose ${weights.features.parts.join('+')} l2=${weights.training.l2} surface×${weights.training.surfaceScale} (cv κ ${best?.kappa}), ${weights.training.examples} examples, ${weights.training.iterations} iterations, ${((performance.now() - t0) / 1000).toFixed(1)} s → ${path.relative(repoRoot, file)}`);
    written.push(file);
  }
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await trainCoders();
}

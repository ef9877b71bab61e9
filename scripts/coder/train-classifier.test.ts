import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { classifierWeightsPath, parseClassifierWeights } from '../../backend/src/coding/classifier/classifier-weights';
import { defaultDataDir } from '../../backend/src/paths';
import { getRubric } from '../../backend/src/rubrics/rubric-catalog';
import { sha256File } from '../../files/file-digest';
import { setupEmbeddingModel } from '../setup/embedding-model';
import { CODE_SETS, codingSetPath, type CodeSetField } from '../evaluation-set/coding-set';
import { trainClassifier } from './train-classifier';
import { loadTrainingData } from './training-data';

describe('npm run train:coder', () => {
  it('retrains both stored classifiers from the train split and reproduces their weights', async () => {
    await setupEmbeddingModel({ dataDir: defaultDataDir });
    const data = await loadTrainingData({ dataDir: defaultDataDir });
    for (const field of Object.keys(CODE_SETS) as CodeSetField[]) {
      const rubric = await getRubric(CODE_SETS[field]);
      const file = classifierWeightsPath(rubric.id);
      const stored = parseClassifierWeights(JSON.parse(await readFile(file, 'utf8')), file);
      expect(stored.training.sha256, 'trained on the coding set as it is now (run npm run train:coder)').toBe(await sha256File(codingSetPath));
      expect(stored.training.examples).toBe(data.train.reduce((n, c) => n + c.labelled.size, 0));
      // The grid search is what train:coder runs; here the chosen configuration is refitted.
      const again = trainClassifier({ rubric, field, ...data, fixed: { parts: stored.features.parts, l2: stored.training.l2, surfaceScale: stored.training.surfaceScale } });
      expect(again.codes).toEqual(stored.codes);
      expect(again.training.iterations).toBe(stored.training.iterations);
      const scale = Math.max(...stored.model.weights.flat().map(Math.abs));
      let worst = 0;
      again.model.weights.forEach((row, k) => row.forEach((w, j) => (worst = Math.max(worst, Math.abs(w - stored.model.weights[k]![j]!)))));
      expect(worst / scale, rubric.id).toBeLessThan(1e-4);
    }
  }, 600_000);
});

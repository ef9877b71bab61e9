import { existsSync } from 'node:fs';
import { defaultDataDir } from '../../paths';
import { listRubrics } from '../../rubrics/rubric-catalog';
import { embeddingModelPath, readEmbeddingManifest } from '../embedding/embedding-manifest';
import type { UnitCoder } from '../unit-coder';
import { openClassifierCoder, type ClosableCoder } from './open-classifier-coder';

/**
 * The classifier coder for a worker: opened on the first evaluation that needs it (the embedding
 * model and the weights of every bundled rubric with a code book), then shared; a failed open is
 * not cached, so a fixed set-up is picked up by the next attempt. The embedding model is looked for
 * in the data folder, then in the repository's set-up folder (as the Temporal CLI is), so a run with
 * its own FE_DATA_DIR uses the model `npm run setup` made.
 */
export function lazyClassifierCoder(dataDir: string): { load(): Promise<UnitCoder>; close(): Promise<void> } {
  let opening: Promise<ClosableCoder> | null = null;
  return {
    load() {
      opening ??= Promise.all([listRubrics(), readEmbeddingManifest()])
        .then(([rubrics, manifest]) => {
          const found = [dataDir, defaultDataDir].find((d) => existsSync(embeddingModelPath(d, manifest))) ?? dataDir;
          return openClassifierCoder({ dataDir: found, rubricIds: rubrics.filter((r) => r.coding).map((r) => r.id) });
        })
        .catch((e: unknown) => {
          opening = null;
          throw e;
        });
      return opening;
    },
    async close() {
      const coder = await opening?.catch(() => null);
      await coder?.close();
    },
  };
}

import { listRubrics } from '../../rubrics/rubric-catalog';
import type { UnitCoder } from '../unit-coder';
import { openClassifierCoder, type ClosableCoder } from './open-classifier-coder';

/**
 * The classifier coder for a worker: opened on the first evaluation that needs it (the embedding
 * model and the weights of every bundled rubric with a code book), then shared; a failed open is
 * not cached, so a fixed set-up is picked up by the next attempt.
 */
export function lazyClassifierCoder(dataDir: string): { load(): Promise<UnitCoder>; close(): Promise<void> } {
  let opening: Promise<ClosableCoder> | null = null;
  return {
    load() {
      opening ??= listRubrics()
        .then((rubrics) => openClassifierCoder({ dataDir, rubricIds: rubrics.filter((r) => r.coding).map((r) => r.id) }))
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

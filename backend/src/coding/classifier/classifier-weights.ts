import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../../app/contracts/errors';
import { resourcesDir } from '../../paths';
import type { SoftmaxModel } from './softmax-regression';
import { FeatureParts, featureCount } from './unit-features';

/**
 * The trained utterance classifier of one rubric's code book, as `npm run train:coder` writes it
 * (resources/coders/<rubric id>.classifier.json, docs/decisions/012). Standardisation is folded
 * into the weights, so they apply to raw features. `checksum` covers what the classifier
 * computes with, so a damaged or hand-edited file is refused instead of coding silently wrong.
 */
export const CLASSIFIER_FORMAT = 'fe-utterance-classifier';
export const CLASSIFIER_VERSION = 1;

export const defaultCoderDir = path.join(resourcesDir, 'coders');
export const classifierWeightsPath = (rubricId: string, dir = defaultCoderDir) => path.join(dir, `${rubricId}.classifier.json`);

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const ClassifierWeights = z.strictObject({
  format: z.literal(CLASSIFIER_FORMAT),
  version: z.literal(CLASSIFIER_VERSION),
  name: z.string().min(1),
  rubric: z.strictObject({ id: z.string(), version: z.string() }),
  /** The code book's code ids in rubric order; row k of the weights is codes[k]. */
  codes: z.array(z.string()).min(2),
  embedding: z.strictObject({ model: z.string(), sha256: Sha256, dimension: z.number().int().positive() }),
  features: z.strictObject({ parts: z.array(z.enum(FeatureParts)).min(1), count: z.number().int().positive() }),
  training: z.strictObject({
    set: z.string(),
    sha256: Sha256,
    split: z.literal('train'),
    examples: z.number().int().positive(),
    l2: z.number().positive(),
    /**
     * Factor on the standardised surface columns while fitting (1: none). Scaling a column by s is
     * an L2 penalty of l2 / s² on its weight, so s > 1 lets the 18 surface cues weigh more against
     * the 384 embedding columns. Folded into the stored weights like the standardisation.
     */
    surfaceScale: z.number().positive(),
    classWeight: z.enum(['none', 'balanced']),
    iterations: z.number().int().nonnegative(),
    /** Model selection on the train split only: scenario-grouped cross-validation over the grid. */
    selection: z.strictObject({
      folds: z.number().int().min(2),
      metric: z.literal('cohen_kappa'),
      grid: z.array(z.strictObject({ parts: z.array(z.enum(FeatureParts)), l2: z.number(), surfaceScale: z.number(), kappa: z.number(), accuracy: z.number() })),
    }),
  }),
  model: z.strictObject({ weights: z.array(z.array(z.number())), bias: z.array(z.number()) }),
  checksum: Sha256,
});
export type ClassifierWeights = z.infer<typeof ClassifierWeights>;

/** sha256 over the parts that decide the codes: code order, feature layout, weights and biases. */
export function weightsChecksum(w: Pick<ClassifierWeights, 'codes' | 'embedding' | 'features' | 'model'>): string {
  const canonical = JSON.stringify([w.codes, w.embedding, w.features, w.model.weights, w.model.bias]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Parses and checks a weights file's JSON; every problem is `coder.weights_invalid` naming the file. */
export function parseClassifierWeights(json: unknown, where: string): ClassifierWeights {
  const parsed = ClassifierWeights.safeParse(json);
  const invalid = (why: string) => new AppError('coder.weights_invalid', `${where}: ${why}: run npm run train:coder`, { details: { file: where } });
  if (!parsed.success) throw invalid(parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(file)'} ${i.message}`).join('; '));
  const w = parsed.data;
  const width = featureCount({ parts: w.features.parts, dimension: w.embedding.dimension });
  if (w.features.count !== width) throw invalid(`features.count is ${w.features.count}, the layout has ${width}`);
  if (w.model.weights.length !== w.codes.length || w.model.bias.length !== w.codes.length) throw invalid(`${w.codes.length} codes but ${w.model.weights.length} weight rows and ${w.model.bias.length} biases`);
  if (w.model.weights.some((row) => row.length !== width)) throw invalid(`a weight row does not have ${width} values`);
  if (![...w.model.weights.flat(), ...w.model.bias].every(Number.isFinite)) throw invalid('a weight is not a finite number');
  const actual = weightsChecksum(w);
  if (actual !== w.checksum) throw invalid(`checksum ${actual.slice(0, 12)}… does not match the recorded ${w.checksum.slice(0, 12)}… (damaged or edited)`);
  return w;
}

/** Reads a rubric's weights: `coder.weights_missing` when there is no file, `coder.weights_invalid` when it is damaged. */
export async function loadClassifierWeights(rubricId: string, dir = defaultCoderDir): Promise<ClassifierWeights> {
  const file = classifierWeightsPath(rubricId, dir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('coder.weights_missing', `no trained classifier for rubric "${rubricId}" (${file}): run npm run train:coder`, { cause, details: { file } });
    throw cause;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AppError('coder.weights_invalid', `${file} is not JSON: ${(cause as Error).message}`, { cause, details: { file } });
  }
  return parseClassifierWeights(json, file);
}

export function toSoftmaxModel(w: ClassifierWeights): SoftmaxModel {
  return { classes: w.codes.length, features: w.features.count, weights: Float64Array.from(w.model.weights.flat()), bias: Float64Array.from(w.model.bias) };
}

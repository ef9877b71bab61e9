/**
 * Trains the utterance classifier of a rubric's code book on the TRAIN split of the coding set
 * (docs/decisions/012). Model selection is scenario-grouped cross-validation on the train split
 * only; the test split is never read here. Deterministic: fixed folds (scenarios sorted by name,
 * dealt round-robin), a fixed grid, zero-initialised L-BFGS, and weights rounded to 7 significant
 * digits before they are stored and checksummed.
 */
import type { Rubric } from '../../app/rubric/rubric';
import { CLASSIFIER_FORMAT, CLASSIFIER_VERSION, weightsChecksum, type ClassifierWeights } from '../../backend/src/coding/classifier/classifier-weights';
import { CLASSIFIER_NAME } from '../../backend/src/coding/classifier/classifier-coder';
import { fitSoftmax, predictClass } from '../../backend/src/coding/classifier/softmax-regression';
import { clinicianFeatures, featureCount, type FeaturePart } from '../../backend/src/coding/classifier/unit-features';
import type { CodingConversation } from '../evaluation-set/coding-conversations';
import type { CodeSetField } from '../evaluation-set/coding-set';
import { cohenKappa } from '../evaluation-set/agreement';

export const FOLDS = 5;
export const GRID_PARTS: FeaturePart[][] = [['unit'], ['unit', 'surface'], ['unit', 'previousPatient'], ['unit', 'previousPatient', 'surface']];
export const GRID_L2 = [0.01, 0.1, 1];
/** Factors on the standardised surface columns (only for layouts that have them); see `columnScales`. */
export const GRID_SURFACE_SCALE = [1, 3];
const CLASS_WEIGHT = 'balanced' as const;

export type Embeddings = ReadonlyMap<string, Float32Array>;

export interface Examples {
  rows: Float64Array[];
  labels: number[];
  scenarios: string[];
}

/** Labelled clinician units of the conversations as feature rows and code indices. */
export function examplesOf(conversations: readonly CodingConversation[], embeddings: Embeddings, parts: readonly FeaturePart[], field: CodeSetField, codes: readonly string[], dimension: number): Examples {
  const out: Examples = { rows: [], labels: [], scenarios: [] };
  for (const c of conversations) {
    const vectors = c.units.map((u) => embeddings.get(u.text) ?? missing(u.text));
    for (const { unitId, row } of clinicianFeatures(c.units, vectors, { parts, dimension })) {
      const item = c.labelled.get(unitId);
      if (!item) continue;
      const label = codes.indexOf(item[field]);
      if (label < 0) throw new Error(`${item.id}: code ${item[field]} is not in the code book`);
      out.rows.push(row);
      out.labels.push(label);
      out.scenarios.push(c.scenario);
    }
  }
  return out;
}

const missing = (text: string): never => {
  throw new Error(`no embedding for ${JSON.stringify(text)}`);
};

const round7 = (x: number) => Number(x.toPrecision(7));

/**
 * Per-column factors applied after standardisation: `surfaceScale` on the surface cue columns, 1
 * elsewhere. A column scaled by s has an effective L2 penalty of l2 / s² on its weight.
 */
export function columnScales(parts: readonly FeaturePart[], dimension: number, surfaceScale: number): Float64Array {
  const scales = new Float64Array(featureCount({ parts, dimension })).fill(1);
  let at = 0;
  for (const part of parts) {
    const width = featureCount({ parts: [part], dimension });
    if (part === 'surface') scales.fill(surfaceScale, at, at + width);
    at += width;
  }
  return scales;
}

/**
 * Standardises the features (mean 0, sd 1 over the rows), multiplies column j by `scales[j]` (1
 * when not given), fits, and folds both back into the weights so they apply to raw features.
 */
export function fitFolded(rows: readonly Float64Array[], labels: readonly number[], classes: number, l2: number, scales?: Float64Array): { weights: number[][]; bias: number[]; iterations: number } {
  const d = rows[0]!.length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += r[j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) sd[j]! += (r[j]! - mean[j]!) ** 2;
  for (let j = 0; j < d; j++) sd[j] = (Math.sqrt(sd[j]! / rows.length) || 1) / (scales?.[j] ?? 1);
  const standard = rows.map((r) => Float64Array.from(r, (x, j) => (x - mean[j]!) / sd[j]!));
  const fit = fitSoftmax(standard, labels, classes, { l2, classWeight: CLASS_WEIGHT });
  const weights: number[][] = [];
  const bias: number[] = [];
  for (let k = 0; k < classes; k++) {
    const row: number[] = [];
    let b = fit.model.bias[k]!;
    for (let j = 0; j < d; j++) {
      const w = fit.model.weights[k * d + j]! / sd[j]!;
      row.push(round7(w));
      b -= w * mean[j]!;
    }
    weights.push(row);
    bias.push(round7(b));
  }
  return { weights, bias, iterations: fit.iterations };
}

const asModel = (f: { weights: number[][]; bias: number[] }) => ({ classes: f.weights.length, features: f.weights[0]!.length, weights: Float64Array.from(f.weights.flat()), bias: Float64Array.from(f.bias) });

/** Scenario-grouped folds: scenarios sorted by name, dealt round-robin. */
export function foldOf(scenarios: readonly string[], folds = FOLDS): number[] {
  const order = [...new Set(scenarios)].sort();
  const fold = new Map(order.map((s, i) => [s, i % folds]));
  return scenarios.map((s) => fold.get(s)!);
}

/** Pooled out-of-fold predictions of one configuration: κ and accuracy against the labels. */
export function crossValidate(ex: Examples, classes: number, l2: number, folds = FOLDS, scales?: Float64Array): { kappa: number; accuracy: number } {
  const fold = foldOf(ex.scenarios, folds);
  const predicted = new Array<number>(ex.labels.length);
  for (let f = 0; f < folds; f++) {
    const train = ex.rows.flatMap((_, i) => (fold[i] === f ? [] : [i]));
    const model = asModel(fitFolded(train.map((i) => ex.rows[i]!), train.map((i) => ex.labels[i]!), classes, l2, scales));
    ex.rows.forEach((row, i) => {
      if (fold[i] === f) predicted[i] = predictClass(model, row);
    });
  }
  const hits = predicted.filter((p, i) => p === ex.labels[i]).length;
  return { kappa: cohenKappa(ex.labels, predicted, classes), accuracy: hits / ex.labels.length };
}

export interface TrainInput {
  rubric: Rubric;
  field: CodeSetField;
  /** The TRAIN split's conversations. */
  train: readonly CodingConversation[];
  embeddings: Embeddings;
  embedding: ClassifierWeights['embedding'];
  trainingSet: { file: string; sha256: string };
  /** Skip the grid search and fit this configuration (the reproduction test). */
  fixed?: { parts: FeaturePart[]; l2: number; surfaceScale: number };
  onProgress?: (line: string) => void;
}

export function trainClassifier(input: TrainInput): ClassifierWeights {
  if (input.train.some((c) => c.split !== 'train')) throw new Error('trainClassifier takes the train split only');
  const codes = (input.rubric.coding?.codes ?? []).map((c) => c.id);
  if (codes.length < 2) throw new Error(`rubric ${input.rubric.id} has no code book`);
  const grid: ClassifierWeights['training']['selection']['grid'] = [];
  let best = input.fixed;
  if (!best) {
    let bestKappa = -Infinity;
    for (const parts of GRID_PARTS) {
      const ex = examplesOf(input.train, input.embeddings, parts, input.field, codes, input.embedding.dimension);
      for (const surfaceScale of parts.includes('surface') ? GRID_SURFACE_SCALE : [1]) {
        const scales = columnScales(parts, input.embedding.dimension, surfaceScale);
        for (const l2 of GRID_L2) {
          const cv = crossValidate(ex, codes.length, l2, FOLDS, scales);
          grid.push({ parts, l2, surfaceScale, kappa: round7(cv.kappa), accuracy: round7(cv.accuracy) });
          input.onProgress?.(`${input.rubric.id}: ${parts.join('+')} l2=${l2} surface×${surfaceScale}: cv κ ${cv.kappa.toFixed(3)}, accuracy ${cv.accuracy.toFixed(3)}`);
          // Strictly better only: on a tie the earlier (fewer features, weaker penalty, no scaling) stays.
          if (cv.kappa > bestKappa + 1e-9) {
            bestKappa = cv.kappa;
            best = { parts, l2, surfaceScale };
          }
        }
      }
    }
  }
  const chosen = best!;
  const ex = examplesOf(input.train, input.embeddings, chosen.parts, input.field, codes, input.embedding.dimension);
  const fit = fitFolded(ex.rows, ex.labels, codes.length, chosen.l2, columnScales(chosen.parts, input.embedding.dimension, chosen.surfaceScale));
  const body = {
    format: CLASSIFIER_FORMAT,
    version: CLASSIFIER_VERSION,
    name: CLASSIFIER_NAME,
    rubric: { id: input.rubric.id, version: input.rubric.version },
    codes,
    embedding: input.embedding,
    features: { parts: chosen.parts, count: featureCount({ parts: chosen.parts, dimension: input.embedding.dimension }) },
    training: {
      set: input.trainingSet.file,
      sha256: input.trainingSet.sha256,
      split: 'train',
      examples: ex.labels.length,
      l2: chosen.l2,
      surfaceScale: chosen.surfaceScale,
      classWeight: CLASS_WEIGHT,
      iterations: fit.iterations,
      selection: { folds: FOLDS, metric: 'cohen_kappa', grid },
    },
    model: { weights: fit.weights, bias: fit.bias },
  } satisfies Omit<ClassifierWeights, 'checksum'>;
  return { ...body, checksum: weightsChecksum(body) };
}

/**
 * Multinomial logistic regression (softmax) with L2 regularisation, fitted by L-BFGS on the full
 * batch. Deterministic: no random initialisation (weights start at zero), no shuffling, a fixed
 * iteration budget and a fixed summation order, so the same data give the same weights bit for
 * bit. Written here rather than taken from npm (docs/decisions/012): `ml-logistic-regression` is
 * one-vs-rest with plain gradient descent and no regularisation, and TensorFlow.js is far heavier
 * than a 10 000-parameter linear model needs.
 */

export interface SoftmaxFitOptions {
  /** L2 penalty on the weights (not the biases), per example: loss = mean CE + λ/2 ‖W‖². */
  l2: number;
  /** 'balanced' weighs each example by n / (K · n_class), so rare codes count as much as common ones. */
  classWeight?: 'none' | 'balanced';
  maxIterations?: number;
  /** Stop when the gradient's largest component falls below this. */
  tolerance?: number;
}

export interface SoftmaxModel {
  classes: number;
  features: number;
  /** classes × features, row-major. */
  weights: Float64Array;
  bias: Float64Array;
}

export interface SoftmaxFit {
  model: SoftmaxModel;
  iterations: number;
  loss: number;
  converged: boolean;
}

const HISTORY = 10;

/** Fits the model to rows `x` (all of one length) with class indices `y` in 0..classes-1. */
export function fitSoftmax(x: readonly ArrayLike<number>[], y: readonly number[], classes: number, opts: SoftmaxFitOptions): SoftmaxFit {
  const n = x.length;
  if (n === 0 || n !== y.length) throw new Error(`fitSoftmax: ${n} rows and ${y.length} labels`);
  const d = x[0]!.length;
  for (const label of y) if (!Number.isInteger(label) || label < 0 || label >= classes) throw new Error(`fitSoftmax: label ${label} outside 0..${classes - 1}`);
  const rowWeight = exampleWeights(y, classes, opts.classWeight ?? 'none');
  const size = classes * (d + 1);
  const maxIterations = opts.maxIterations ?? 500;
  const tolerance = opts.tolerance ?? 1e-6;

  // Parameters: classes × d weights, then classes biases.
  let theta = new Float64Array(size);
  let grad = new Float64Array(size);
  let loss = objective(theta, grad, x, y, rowWeight, classes, d, opts.l2);
  const s: Float64Array[] = [];
  const yk: Float64Array[] = [];
  const rho: number[] = [];
  let iterations = 0;
  let converged = maxAbs(grad) < tolerance;
  while (!converged && iterations < maxIterations) {
    iterations++;
    const direction = twoLoop(grad, s, yk, rho);
    let slope = dot(direction, grad);
    if (slope >= 0) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      s.length = yk.length = rho.length = 0;
      for (let i = 0; i < size; i++) direction[i] = -grad[i]!;
      slope = dot(direction, grad);
    }
    let step = iterations === 1 ? Math.min(1, 1 / Math.max(1e-12, maxAbs(grad))) : 1;
    const next = new Float64Array(size);
    const nextGrad = new Float64Array(size);
    let nextLoss = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < size; i++) next[i] = theta[i]! + step * direction[i]!;
      nextLoss = objective(next, nextGrad, x, y, rowWeight, classes, d, opts.l2);
      if (nextLoss <= loss + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextLoss < loss)) break;
    const sNew = new Float64Array(size);
    const yNew = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      sNew[i] = next[i]! - theta[i]!;
      yNew[i] = nextGrad[i]! - grad[i]!;
    }
    const sy = dot(sNew, yNew);
    if (sy > 1e-12) {
      s.push(sNew);
      yk.push(yNew);
      rho.push(1 / sy);
      if (s.length > HISTORY) {
        s.shift();
        yk.shift();
        rho.shift();
      }
    }
    const improvement = loss - nextLoss;
    theta = next;
    grad = nextGrad;
    loss = nextLoss;
    converged = maxAbs(grad) < tolerance || improvement < 1e-12 * Math.max(1, Math.abs(loss));
  }
  return {
    model: { classes, features: d, weights: theta.slice(0, classes * d), bias: theta.slice(classes * d) },
    iterations,
    loss,
    converged,
  };
}

/** Class probabilities for one row. */
export function predictProba(model: SoftmaxModel, row: ArrayLike<number>): Float64Array {
  const scores = new Float64Array(model.classes);
  for (let k = 0; k < model.classes; k++) {
    let z = model.bias[k]!;
    const offset = k * model.features;
    for (let j = 0; j < model.features; j++) z += model.weights[offset + j]! * row[j]!;
    scores[k] = z;
  }
  return softmaxInPlace(scores);
}

/** The most probable class (the lowest index on a tie). */
export function predictClass(model: SoftmaxModel, row: ArrayLike<number>): number {
  const p = predictProba(model, row);
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return best;
}

function exampleWeights(y: readonly number[], classes: number, mode: 'none' | 'balanced'): Float64Array {
  const w = new Float64Array(y.length).fill(1);
  if (mode === 'balanced') {
    const counts = new Array<number>(classes).fill(0);
    for (const label of y) counts[label]!++;
    y.forEach((label, i) => (w[i] = y.length / (classes * counts[label]!)));
  }
  return w;
}

function objective(theta: Float64Array, grad: Float64Array, x: readonly ArrayLike<number>[], y: readonly number[], rowWeight: Float64Array, classes: number, d: number, l2: number): number {
  grad.fill(0);
  let total = 0;
  let weightSum = 0;
  const scores = new Float64Array(classes);
  const biasOffset = classes * d;
  for (let i = 0; i < x.length; i++) {
    const row = x[i]!;
    for (let k = 0; k < classes; k++) {
      let z = theta[biasOffset + k]!;
      const offset = k * d;
      for (let j = 0; j < d; j++) z += theta[offset + j]! * row[j]!;
      scores[k] = z;
    }
    const logSum = logSumExp(scores);
    const w = rowWeight[i]!;
    weightSum += w;
    total += w * (logSum - scores[y[i]!]!);
    for (let k = 0; k < classes; k++) {
      const g = w * (Math.exp(scores[k]! - logSum) - (k === y[i] ? 1 : 0));
      if (g === 0) continue;
      const offset = k * d;
      for (let j = 0; j < d; j++) grad[offset + j]! += g * row[j]!;
      grad[biasOffset + k]! += g;
    }
  }
  let penalty = 0;
  for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! / weightSum;
  for (let i = 0; i < biasOffset; i++) {
    penalty += theta[i]! * theta[i]!;
    grad[i]! += l2 * theta[i]!;
  }
  return total / weightSum + (l2 / 2) * penalty;
}

/** L-BFGS two-loop recursion: an approximation of −H⁻¹·grad from the last few steps. */
function twoLoop(grad: Float64Array, s: Float64Array[], y: Float64Array[], rho: number[]): Float64Array {
  const q = Float64Array.from(grad, (g) => -g);
  const alpha = new Array<number>(s.length);
  for (let i = s.length - 1; i >= 0; i--) {
    alpha[i] = rho[i]! * dot(s[i]!, q);
    axpy(-alpha[i]!, y[i]!, q);
  }
  if (s.length > 0) {
    const last = s.length - 1;
    const gamma = dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!);
    for (let i = 0; i < q.length; i++) q[i] = q[i]! * gamma;
  }
  for (let i = 0; i < s.length; i++) {
    const beta = rho[i]! * dot(y[i]!, q);
    axpy(alpha[i]! - beta, s[i]!, q);
  }
  return q;
}

function softmaxInPlace(scores: Float64Array): Float64Array {
  const logSum = logSumExp(scores);
  for (let k = 0; k < scores.length; k++) scores[k] = Math.exp(scores[k]! - logSum);
  return scores;
}

function logSumExp(v: Float64Array): number {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  for (const x of v) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += a * x[i]!;
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}

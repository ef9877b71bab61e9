import { describe, expect, it } from 'vitest';
import { fitSoftmax, predictClass, predictProba } from './softmax-regression';

// Three clusters around distinct corners, slightly overlapping.
function clusters(): { x: number[][]; y: number[] } {
  const centres = [
    [2, 0],
    [0, 2],
    [-2, -2],
  ];
  const x: number[][] = [];
  const y: number[] = [];
  let s = 1;
  const noise = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
  centres.forEach((c, k) => {
    for (let i = 0; i < 30; i++) {
      x.push([c[0]! + noise(), c[1]! + noise()]);
      y.push(k);
    }
  });
  return { x, y };
}

describe('fitSoftmax', () => {
  it('separates three clusters and gives probabilities that sum to one', () => {
    const { x, y } = clusters();
    const fit = fitSoftmax(x, y, 3, { l2: 0.01 });
    const hits = x.filter((row, i) => predictClass(fit.model, row) === y[i]).length;
    expect(hits / x.length).toBeGreaterThan(0.95);
    const p = predictProba(fit.model, [2, 0]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(p[0]).toBeGreaterThan(0.8);
    expect(fit.converged).toBe(true);
  });

  it('gives the same weights bit for bit on the same data', () => {
    const { x, y } = clusters();
    const a = fitSoftmax(x, y, 3, { l2: 0.1, classWeight: 'balanced' });
    const b = fitSoftmax(x, y, 3, { l2: 0.1, classWeight: 'balanced' });
    expect(Array.from(a.model.weights)).toEqual(Array.from(b.model.weights));
    expect(Array.from(a.model.bias)).toEqual(Array.from(b.model.bias));
  });

  it('shrinks the weights as the L2 penalty grows', () => {
    const { x, y } = clusters();
    const norm = (l2: number) => Math.hypot(...fitSoftmax(x, y, 3, { l2 }).model.weights);
    expect(norm(1)).toBeLessThan(norm(0.01));
  });

  it('lets a rare class win its own region when classes are balanced', () => {
    // 40 of class 0 and 4 of class 1 on a line; class 1 sits at the far end.
    const x = [...Array.from({ length: 40 }, (_, i) => [i / 40]), ...Array.from({ length: 4 }, (_, i) => [1.05 + i / 100])];
    const y = [...new Array<number>(40).fill(0), ...new Array<number>(4).fill(1)];
    const balanced = fitSoftmax(x, y, 2, { l2: 0.01, classWeight: 'balanced' });
    expect(predictClass(balanced.model, [1.06])).toBe(1);
  });

  it('refuses labels outside the classes', () => {
    expect(() => fitSoftmax([[0], [1]], [0, 2], 2, { l2: 0.1 })).toThrow(/label 2/);
  });
});

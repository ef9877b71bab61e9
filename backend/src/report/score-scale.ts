import type { jsPDF } from 'jspdf';
import type { ScoredItem } from '../../../app/rubric/analysis';
import { COLOR, type Rgb } from './pdf-layout';

/** Scales with up to this many points are drawn as numbered boxes; longer ones as a bar. */
const MAX_BOXES = 11;
const BAR_WIDTH = 40;

export interface ScaleSize {
  box: number;
  height: number;
}

export const SCALE_SMALL: ScaleSize = { box: 3.6, height: 3.4 };
export const SCALE_LARGE: ScaleSize = { box: 4.6, height: 4.2 };

type Score = Pick<ScoredItem, 'score' | 'scaleMin' | 'scaleMax'>;

export function scaleWidth(item: Score, size: ScaleSize): number {
  const steps = item.scaleMax - item.scaleMin + 1;
  return steps >= 2 && steps <= MAX_BOXES ? steps * (size.box + 0.6) - 0.6 : BAR_WIDTH;
}

/**
 * The score on its scale: one box per point, those up to the score filled, so "4 of 5" reads at a
 * glance (the numbers are written next to it, not in the boxes, so extracted text stays clean);
 * long scales (0–100) get a filled bar.
 */
export function drawScale(doc: jsPDF, x: number, y: number, item: Score, size: ScaleSize): number {
  const steps = item.scaleMax - item.scaleMin + 1;
  if (steps >= 2 && steps <= MAX_BOXES) {
    for (let k = 0; k < steps; k++) {
      const filled = item.scaleMin + k <= item.score;
      const color: Rgb = filled ? COLOR.accent : COLOR.scoreEmpty;
      doc.setFillColor(...color);
      doc.rect(x + k * (size.box + 0.6), y, size.box, size.height, 'F');
    }
    return scaleWidth(item, size);
  }
  const span = item.scaleMax - item.scaleMin;
  const fill = span > 0 ? Math.min(Math.max((item.score - item.scaleMin) / span, 0), 1) : 1;
  doc.setFillColor(...COLOR.scoreEmpty);
  doc.rect(x, y, BAR_WIDTH, size.height, 'F');
  doc.setFillColor(...COLOR.accent);
  doc.rect(x, y, BAR_WIDTH * fill, size.height, 'F');
  return BAR_WIDTH;
}

/** "4 / 5" (the scale's maximum, as rubrics state it). */
export function scoreText(item: Score): string {
  return `${item.score} / ${item.scaleMax}`;
}

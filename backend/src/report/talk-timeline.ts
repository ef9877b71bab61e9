import type { jsPDF } from 'jspdf';
import type { ConversationMetrics } from '../../../app/metrics/metrics-model';
import type { ReportModel } from '../../../app/report/report-model';
import { applyStyle, CHANNEL_COLOR, COLOR, fitText, lineHeight, type Rgb } from './pdf-layout';
import { participantOn } from './report-participants';
import { formatClock } from './report-format';
import { intersectSpans } from '../../../app/metrics/intervals';

type Interval = { start: number; end: number };

const TICK_STEPS_SEC = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 14400];
export const OVERLAP_COLOR: Rgb = [190, 18, 60];
export const LABEL_WIDTH = 36;
const LANE_HEIGHT = 7;
const LANE_GAP = 2.5;
const OVERLAP_HEIGHT = 2.2;
/** Narrower than this a short "mm-hm" would vanish at print resolution. */
export const MIN_BAR_WIDTH = 0.25;

/** The smallest "round" tick step that keeps the axis at or under `maxTicks` intervals. */
export function chooseTickStep(durationSec: number, maxTicks = 10): number {
  const d = Math.max(durationSec, 1);
  return TICK_STEPS_SEC.find((step) => d / step <= maxTicks) ?? Math.ceil(d / maxTicks / 3600) * 3600;
}

/** Spans where both channels speak at once (inputs need not be sorted). */
export function overlapIntervals(timeline: ConversationMetrics['timeline']): Interval[] {
  const a = timeline.filter((t) => t.channel === 0).sort((x, y) => x.start - y.start);
  const b = timeline.filter((t) => t.channel === 1).sort((x, y) => x.start - y.start);
  return intersectSpans(a, b);
}

/** The span the timeline covers: the recording, or the last speech if the metrics say less. */
export function timelineDuration(metrics: ConversationMetrics): number {
  const lastEnd = metrics.timeline.reduce((m, t) => Math.max(m, t.end), 0);
  return Math.max(metrics.durationSec, lastEnd, 1);
}

/**
 * Two lanes (one per channel) of speaking intervals at scaled positions, an overlap strip, a time
 * axis in mm:ss whose tick step adapts to the length, and a legend. Returns the height used (mm).
 */
export function drawTalkTimeline(doc: jsPDF, box: { x: number; y: number; width: number }, model: ReportModel): number {
  const { metrics } = model;
  const duration = timelineDuration(metrics);
  const x0 = box.x + LABEL_WIDTH;
  const width = box.width - LABEL_WIDTH;
  const toX = (sec: number) => x0 + (Math.min(Math.max(sec, 0), duration) / duration) * width;
  let y = box.y;

  for (const channel of [0, 1] as const) {
    const p = participantOn(model, channel);
    applyStyle(doc, { size: 8.5, bold: true });
    const name = fitText(doc, p.displayName, LABEL_WIDTH - 3);
    doc.text(name, box.x, y + LANE_HEIGHT / 2, { baseline: 'middle' });
    doc.setFillColor(...COLOR.panel);
    doc.rect(x0, y, width, LANE_HEIGHT, 'F');
    doc.setFillColor(...CHANNEL_COLOR[channel]);
    for (const t of metrics.timeline) {
      if (t.channel !== channel || t.end <= t.start) continue;
      const left = toX(t.start);
      doc.rect(left, y + 0.6, Math.max(toX(t.end) - left, MIN_BAR_WIDTH), LANE_HEIGHT - 1.2, 'F');
    }
    y += LANE_HEIGHT + LANE_GAP;
  }

  applyStyle(doc, { size: 7.5, color: COLOR.muted });
  doc.text('Overlap', box.x, y + OVERLAP_HEIGHT / 2, { baseline: 'middle' });
  doc.setFillColor(...COLOR.panel);
  doc.rect(x0, y, width, OVERLAP_HEIGHT, 'F');
  doc.setFillColor(...OVERLAP_COLOR);
  for (const o of overlapIntervals(metrics.timeline)) {
    const left = toX(o.start);
    doc.rect(left, y, Math.max(toX(o.end) - left, MIN_BAR_WIDTH), OVERLAP_HEIGHT, 'F');
  }
  y += OVERLAP_HEIGHT + 2;

  y = drawAxis(doc, { x0, width, y }, duration, toX);
  y = drawLegend(doc, { x: x0, right: x0 + width, y: y + 3 }, model);
  return y - box.y;
}

function drawAxis(doc: jsPDF, axis: { x0: number; width: number; y: number }, duration: number, toX: (s: number) => number): number {
  const { x0, width, y } = axis;
  doc.setDrawColor(...COLOR.muted);
  doc.setLineWidth(0.25);
  doc.line(x0, y, x0 + width, y);
  const step = chooseTickStep(duration);
  applyStyle(doc, { size: 7.5, color: COLOR.muted });
  const labelY = y + 2.3;
  for (let t = 0; t <= duration + 1e-6; t += step) {
    const x = toX(t);
    doc.line(x, y, x, y + 1.5);
    const align = t === 0 ? 'left' : x > x0 + width - 5 ? 'right' : 'center';
    doc.text(formatClock(t), x, labelY, { baseline: 'top', align });
  }
  // The end of the recording gets its own label unless a tick label already sits too close.
  const lastTick = Math.floor(duration / step) * step;
  if ((duration - lastTick) / duration > 0.06) {
    const x = x0 + width;
    doc.line(x, y, x, y + 1.5);
    doc.text(formatClock(duration), x, labelY, { baseline: 'top', align: 'right' });
  }
  return labelY + lineHeight(7.5);
}

function drawLegend(doc: jsPDF, at: { x: number; right: number; y: number }, model: ReportModel): number {
  let y = at.y;
  const entries: { label: string; color: Rgb }[] = [
    ...([0, 1] as const).map((c) => {
      const p = participantOn(model, c);
      return { label: `${p.displayName} (${p.roleLabel})`, color: CHANNEL_COLOR[c] };
    }),
    { label: 'Both speaking', color: OVERLAP_COLOR },
  ];
  applyStyle(doc, { size: 8 });
  let cx = at.x;
  for (const e of entries) {
    const w = doc.getTextWidth(e.label) + 9;
    // Long names wrap the legend onto another row instead of running off the page.
    if (cx > at.x && cx + w - 5 > at.right) {
      cx = at.x;
      y += lineHeight(8) + 0.5;
    }
    doc.setFillColor(...e.color);
    doc.rect(cx, y + 0.4, 3.2, 3.2, 'F');
    // A label longer than the whole row is shortened: the full names are on the overview.
    doc.text(fitText(doc, e.label, at.right - cx - 4.5), cx + 4.5, y, { baseline: 'top' });
    cx += w;
  }
  return y + lineHeight(8);
}

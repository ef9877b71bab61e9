import type { ReportModel } from '../../../app/report/report-model';
import { applyStyle, CHANNEL_COLOR, COLOR, CONTENT_WIDTH, PAGE, PdfCursor } from './pdf-layout';
import { formatClock } from './report-format';
import { LABEL_WIDTH, MIN_BAR_WIDTH, timelineDuration } from './talk-timeline';

const WINDOWS_SEC = [300, 600, 900, 1200, 1800, 3600];
const MAX_ROWS = 6;
/** Below this the overview alone shows individual turns clearly. */
const DETAIL_FROM_SEC = 12 * 60;
const LANE = 3.2;
const TICKS_PER_ROW = 5;

/** Row length for the detailed timeline, or null when the session is short enough without one. */
export function detailWindowSec(durationSec: number): number | null {
  if (durationSec <= DETAIL_FROM_SEC) return null;
  return WINDOWS_SEC.find((w) => durationSec / w <= MAX_ROWS) ?? Math.ceil(durationSec / MAX_ROWS / 3600) * 3600;
}

/**
 * For long sessions the overview squeezes each turn to a hairline; these rows show the same
 * timeline in fixed windows (e.g. 5 minutes each for 30 minutes) so single turns stay visible.
 */
export function drawTimelineDetail(cursor: PdfCursor, model: ReportModel): void {
  const { doc } = cursor;
  const duration = timelineDuration(model.metrics);
  const window = detailWindowSec(duration);
  if (window === null) return;
  const x0 = PAGE.marginX + LABEL_WIDTH;
  const width = CONTENT_WIDTH - LABEL_WIDTH;
  const rowHeight = 2 * LANE + 0.8 + 5.5;

  for (let from = 0; from < duration; from += window) {
    cursor.ensure(rowHeight);
    const to = from + window;
    const toX = (sec: number) => x0 + ((Math.min(Math.max(sec, from), to) - from) / window) * width;
    const y = cursor.y;
    applyStyle(doc, { size: 7.5, color: COLOR.muted });
    doc.text(`${formatClock(from)}–${formatClock(Math.min(to, duration))}`, PAGE.marginX, y + LANE + 0.4, { baseline: 'middle' });
    for (const channel of [0, 1] as const) {
      const laneY = y + channel * (LANE + 0.8);
      doc.setFillColor(...COLOR.panel);
      doc.rect(x0, laneY, toX(Math.min(to, duration)) - x0, LANE, 'F');
      doc.setFillColor(...CHANNEL_COLOR[channel]);
      for (const t of model.metrics.timeline) {
        if (t.channel !== channel || t.end <= from || t.start >= to || t.end <= t.start) continue;
        const left = toX(t.start);
        doc.rect(left, laneY, Math.max(toX(t.end) - left, MIN_BAR_WIDTH), LANE, 'F');
      }
    }
    const axisY = y + 2 * LANE + 0.8 + 0.6;
    doc.setDrawColor(...COLOR.rule);
    doc.setLineWidth(0.2);
    applyStyle(doc, { size: 6.5, color: COLOR.muted });
    for (let k = 0; k <= TICKS_PER_ROW; k++) {
      const t = from + (k * window) / TICKS_PER_ROW;
      if (t > duration + 1e-6) break;
      const x = toX(t);
      doc.line(x, axisY, x, axisY + 1);
      doc.text(formatClock(t), x, axisY + 1.3, { baseline: 'top', align: k === 0 ? 'left' : k === TICKS_PER_ROW ? 'right' : 'center' });
    }
    cursor.y += rowHeight;
  }
}

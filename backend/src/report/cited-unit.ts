import { scoredItems, type CitedUnit, type VerifiedAnalysis } from '../../../app/rubric/analysis';
import type { ReportModel } from '../../../app/report/report-model';
import { applyStyle, ascent, CHANNEL_COLOR, COLOR, CONTENT_WIDTH, PAGE, type PdfCursor, type TextStyle } from './pdf-layout';
import { formatClock } from './report-format';
import { participantOn } from './report-participants';
import { drawRichLine, layoutRuns, richHeight, type RichLine } from './rich-text';
import type { UnitLinks } from './unit-links';

const ID_WIDTH = 9;
const SIZE = 9;

/** "Clinician (Dr. Maya Okafor)": the role first, because that is what a cited moment is about. */
export function roleAndName(model: ReportModel, channel: 0 | 1): string {
  const p = participantOn(model, channel);
  return `${p.roleLabel} (${p.displayName})`;
}

/** `[01:23] Clinician (Dr. Maya Okafor): “…”` — the words exactly as the transcript unit has them. */
export function citedUnitText(model: ReportModel, u: CitedUnit): string {
  return `[${formatClock(u.start)}] ${roleAndName(model, u.channel)}: “${u.text}”`;
}

export interface CitedUnitBlock {
  unit: CitedUnit;
  lines: RichLine[];
  height: number;
}

/** Lays out one cited unit at indent `x` (the unit id sits in a gutter left of the text). */
export function layoutCitedUnit(cursor: PdfCursor, model: ReportModel, u: CitedUnit, x: number): CitedUnitBlock {
  const label: TextStyle = { size: SIZE, bold: true, color: CHANNEL_COLOR[u.channel] };
  const words: TextStyle = { size: SIZE };
  const width = PAGE.marginX + CONTENT_WIDTH - x - ID_WIDTH;
  const lines = layoutRuns(cursor.doc, [
    { text: `[${formatClock(u.start)}] ${roleAndName(model, u.channel)}: `, style: label },
    { text: `“${u.text}”`, style: words },
  ], width);
  return { unit: u, lines, height: richHeight(lines) + 1.2 };
}

/**
 * Draws a cited unit: its id (a link to the unit in the transcript), the time and speaker in the
 * speaker's colour, then the transcript's words. Kept on one page when it fits.
 */
export function drawCitedUnit(cursor: PdfCursor, block: CitedUnitBlock, x: number, links: UnitLinks): void {
  const { doc } = cursor;
  cursor.ensure(block.height);
  let page = -1;
  block.lines.forEach((line) => {
    cursor.ensure(line.height);
    if (cursor.page !== page) {
      // First line, or the first line after a page break: the id is repeated so the reader knows whose words these are.
      drawId(cursor, block.unit, x, links);
      page = cursor.page;
    }
    doc.setFillColor(...CHANNEL_COLOR[block.unit.channel]);
    doc.rect(x + ID_WIDTH - 2.2, cursor.y, 0.7, line.height, 'F');
    drawRichLine(doc, line, x + ID_WIDTH, cursor.y);
    cursor.y += line.height;
  });
  cursor.y += 1.2;
}

function drawId(cursor: PdfCursor, u: CitedUnit, x: number, links: UnitLinks): void {
  applyStyle(cursor.doc, { size: 7.5, color: COLOR.muted });
  cursor.doc.text(u.id, x, cursor.y + ascent(SIZE), { baseline: 'alphabetic' });
  links.from(u.id, x, cursor.y, ID_WIDTH - 2, 4);
}

/** Every cited unit of the analysis once (items and narrative), in time order. */
export function citedUnits(a: VerifiedAnalysis): CitedUnit[] {
  const statements = a.narrative.status === 'written' ? [a.narrative.summary, ...a.narrative.strengths, ...a.narrative.suggestions] : [];
  const all = [...scoredItems(a).flatMap((i) => i.citations), ...statements.flatMap((s) => s.citations)];
  return [...new Map(all.map((u) => [u.id, u])).values()].sort((x, y) => x.start - y.start || x.channel - y.channel);
}

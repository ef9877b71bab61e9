import type { jsPDF } from 'jspdf';
import { autoTable } from 'jspdf-autotable';
import type { RejectedQuote, VerifiedItem, VerifiedQuote } from '../../../app/rubric/analysis';
import type { ReportModel } from '../../../app/report/report-model';
import { applyStyle, CHANNEL_COLOR, COLOR, CONTENT_WIDTH, lastTableEnd, lineHeight, PAGE, PdfCursor, type Rgb, tableStyle } from './pdf-layout';
import { formatIndicator, formatTimeRange, plural } from './report-format';
import { speakerLabel } from './report-participants';

const BADGE_WIDTH = 24;
const QUOTE_INDENT = 5;

/** What the reader sees of rejected quotes: a count, never their text. */
export function discardedQuotesNote(rejected: readonly RejectedQuote[]): string | null {
  const n = rejected.length;
  if (n === 0) return null;
  const was = n === 1 ? 'was' : 'were';
  const why = rejected.every((r) => r.reason === 'not_found') ? 'could not be found in the transcript' : 'could not be verified against the transcript';
  return `${plural(n, 'cited quote', 'cited quotes')} ${why} and ${was} discarded.`;
}

export function drawRubricSection(cursor: PdfCursor, model: ReportModel): void {
  const { analysis } = model;
  cursor.heading('Evaluation', { keepWith: 40 });
  const verifiedCount = analysis.items.filter((i) => i.verified).length;
  cursor.paragraph(
    `${model.rubric.title}, version ${model.rubric.version}, assessed by ${analysis.model}. ` +
      `${verifiedCount} of ${plural(analysis.items.length, 'item has', 'items have')} verified evidence; ` +
      `of ${plural(analysis.stats.quotesCited, 'quote', 'quotes')} cited, ${analysis.stats.quotesVerified} were found in the transcript and ${analysis.stats.quotesRejected} discarded.`,
    { size: 9, color: COLOR.muted },
    { after: 5 },
  );

  if (analysis.summary.trim()) {
    cursor.subheading('Summary');
    cursor.paragraph(analysis.summary, { size: 10 }, { after: 4 });
  }
  if (analysis.strengths.length > 0) {
    cursor.subheading('Strengths');
    cursor.bullets(analysis.strengths, { size: 10 });
    cursor.gap(3);
  }
  if (analysis.suggestions.length > 0) {
    cursor.subheading('Suggestions');
    cursor.bullets(analysis.suggestions, { size: 10 });
    cursor.gap(3);
  }

  cursor.gap(3);
  cursor.heading('Rubric items', { size: 13, keepWith: 35 });
  analysis.items.forEach((item, i) => {
    drawItem(cursor, model, item);
    if (i < analysis.items.length - 1) {
      cursor.ensure(6);
      cursor.gap(1.5);
      cursor.rule();
      cursor.gap(4.5);
    }
  });
  cursor.gap(6);

  if (analysis.behaviours.length > 0) drawBehaviours(cursor, model);
  if (analysis.indicators.length > 0) drawIndicators(cursor, model);
}

function drawItem(cursor: PdfCursor, model: ReportModel, item: VerifiedItem): void {
  const { doc } = cursor;
  const titleStyle = { size: 11.5, bold: true };
  const titleLines = cursor.lines(item.title, CONTENT_WIDTH - BADGE_WIDTH - 4, titleStyle);
  const rationaleLh = lineHeight(9.5);
  // Title, score and the start of the rationale stay together on one page.
  cursor.ensure(titleLines.length * lineHeight(11.5) + 8 + 3 * rationaleLh);

  const top = cursor.y;
  applyStyle(doc, titleStyle);
  for (const line of titleLines) {
    doc.text(line, PAGE.marginX, cursor.y, { baseline: 'top' });
    cursor.y += lineHeight(11.5);
  }
  drawBadge(doc, PAGE.marginX + CONTENT_WIDTH - BADGE_WIDTH, top, item.verified);
  cursor.gap(1);
  drawScore(doc, PAGE.marginX, cursor.y, item);
  cursor.y += 7;

  if (item.rationale.trim()) cursor.paragraph(item.rationale, { size: 9.5 }, { after: 2.5 });

  if (item.evidence.length > 0) {
    cursor.ensure(lineHeight(8) + 12);
    applyStyle(doc, { size: 7.5, bold: true, color: COLOR.muted });
    doc.text('VERIFIED EVIDENCE', PAGE.marginX, cursor.y, { baseline: 'top', charSpace: 0.3 });
    cursor.y += lineHeight(7.5) + 1;
    for (const q of [...item.evidence].sort((a, b) => a.start - b.start)) drawQuote(cursor, model, q);
  } else {
    cursor.paragraph('No quote cited for this item could be verified against the transcript, so this score has no supporting evidence.', { size: 9, color: COLOR.unverified }, { after: 1.5 });
  }
  const note = discardedQuotesNote(item.rejected);
  if (note) cursor.paragraph(note, { size: 8.5, color: COLOR.muted }, { after: 1 });
}

function drawBadge(doc: jsPDF, x: number, y: number, verified: boolean): void {
  const color: Rgb = verified ? COLOR.verified : COLOR.unverified;
  doc.setFillColor(...color);
  doc.roundedRect(x, y, BADGE_WIDTH, 5.2, 1.2, 1.2, 'F');
  applyStyle(doc, { size: 7.5, bold: true, color: [255, 255, 255] });
  doc.text(verified ? 'VERIFIED' : 'UNVERIFIED', x + BADGE_WIDTH / 2, y + 2.6, { baseline: 'middle', align: 'center' });
}

/** "n / max" with a segmented bar for short scales and a continuous one for long scales. */
function drawScore(doc: jsPDF, x: number, y: number, item: VerifiedItem): void {
  applyStyle(doc, { size: 9, color: COLOR.muted });
  doc.text('Score', x, y + 0.3, { baseline: 'top' });
  const valueX = x + 12;
  if (item.score === null) {
    applyStyle(doc, { size: 10, bold: true, color: COLOR.muted });
    doc.text('not scored', valueX, y, { baseline: 'top' });
    return;
  }
  applyStyle(doc, { size: 10, bold: true });
  const label = `${item.score} / ${item.scaleMax}`;
  doc.text(label, valueX, y, { baseline: 'top' });
  const barX = valueX + Math.max(doc.getTextWidth(label), 12) + 4;
  const barY = y + 0.6;
  const span = item.scaleMax - item.scaleMin;
  const fill = span > 0 ? Math.min(Math.max((item.score - item.scaleMin) / span, 0), 1) : 1;
  const steps = span + 1;
  if (steps >= 2 && steps <= 11) {
    const segW = 5;
    for (let k = 0; k < steps; k++) {
      const color: Rgb = item.scaleMin + k <= item.score ? COLOR.accent : COLOR.scoreEmpty;
      doc.setFillColor(...color);
      doc.rect(barX + k * (segW + 0.8), barY, segW, 3, 'F');
    }
  } else {
    doc.setFillColor(...COLOR.scoreEmpty);
    doc.rect(barX, barY, 40, 3, 'F');
    doc.setFillColor(...COLOR.accent);
    doc.rect(barX, barY, 40 * fill, 3, 'F');
  }
}

function drawQuote(cursor: PdfCursor, model: ReportModel, q: VerifiedQuote): void {
  const { doc } = cursor;
  const x = PAGE.marginX + QUOTE_INDENT;
  const width = CONTENT_WIDTH - QUOTE_INDENT - 2;
  const quoteStyle = { size: 9.5 };
  const lines = cursor.lines(`“${q.matchedText}”`, width, quoteStyle);
  const attribution = cursor.lines(`${speakerLabel(model, q.channel)} · ${formatTimeRange(q.start, q.end)}`, width, { size: 8, color: COLOR.muted });
  const height = lines.length * lineHeight(9.5) + attribution.length * lineHeight(8) + 0.5;
  // Kept on one page when it fits; a longer quote flows on, its bar drawn line by line.
  cursor.ensure(Math.min(height, cursor.limit - PAGE.top));
  const rows = [...lines.map((text) => ({ text, style: quoteStyle })), ...attribution.map((text) => ({ text, style: { size: 8, color: COLOR.muted } }))];
  for (const row of rows) {
    const lh = lineHeight(row.style.size);
    cursor.ensure(lh);
    doc.setFillColor(...CHANNEL_COLOR[q.channel]);
    doc.rect(PAGE.marginX + 1, cursor.y, 1, lh, 'F');
    applyStyle(doc, row.style);
    doc.text(row.text, x, cursor.y, { baseline: 'top' });
    cursor.y += lh;
  }
  cursor.y += 2.5;
}

function drawBehaviours(cursor: PdfCursor, model: ReportModel): void {
  const { doc } = cursor;
  const { behaviours } = model.analysis;
  cursor.heading('Behaviour counts', { size: 13, keepWith: 55 });
  cursor.paragraph('Counts include verified instances only; each was found in the transcript.', { size: 9, color: COLOR.muted }, { after: 2 });
  autoTable(doc, {
    ...tableStyle(cursor.y),
    head: [['Behaviour', 'Count', 'Example']],
    body: behaviours.map((b) => {
      const ex = b.instances[0];
      const example = ex ? `“${ex.matchedText}”\n${speakerLabel(model, ex.channel)} · ${formatTimeRange(ex.start, ex.end)}` : '—';
      return [b.title, String(b.count), example];
    }),
    columnStyles: { 0: { cellWidth: 50 }, 1: { cellWidth: 16, halign: 'right' } },
    didParseCell: (data) => {
      if (data.section === 'head' && data.column.index === 1) data.cell.styles.halign = 'right';
    },
  });
  cursor.y = lastTableEnd(doc) + 2;
  const discarded = behaviours.reduce((n, b) => n + b.rejected.length, 0);
  if (discarded > 0) {
    cursor.paragraph(`${plural(discarded, 'further cited instance', 'further cited instances')} could not be verified against the transcript and ${discarded === 1 ? 'is' : 'are'} not counted.`, { size: 8.5, color: COLOR.muted });
  }
  cursor.gap(6);
}

function drawIndicators(cursor: PdfCursor, model: ReportModel): void {
  const { doc } = cursor;
  cursor.heading('Summary indicators', { size: 13, keepWith: 25 });
  autoTable(doc, {
    ...tableStyle(cursor.y),
    head: [['Indicator', 'Value', 'Target']],
    body: model.analysis.indicators.map((ind) => [ind.title, formatIndicator(ind.value), ind.target ?? '—']),
    columnStyles: { 1: { cellWidth: 24, halign: 'right' }, 2: { cellWidth: 40 } },
    didParseCell: (data) => {
      if (data.section === 'head' && data.column.index === 1) data.cell.styles.halign = 'right';
    },
  });
  cursor.y = lastTableEnd(doc) + 6;
}

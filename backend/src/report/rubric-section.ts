import type { jsPDF } from 'jspdf';
import { autoTable } from 'jspdf-autotable';
import { scoredItems, type CitedStatement, type CitedUnit, type IndicatorValue, type RejectedCitation, type ScoredItem, type VerifiedAnalysis } from '../../../app/rubric/analysis';
import type { ReportModel } from '../../../app/report/report-model';
import { applyStyle, CHANNEL_COLOR, COLOR, CONTENT_WIDTH, lastTableEnd, lineHeight, PAGE, PdfCursor, type Rgb, tableStyle } from './pdf-layout';
import { formatIndicator, formatTimeRange, plural } from './report-format';
import { speakerLabel } from './report-participants';

const BADGE_WIDTH = 24;
const QUOTE_INDENT = 5;

/** What the reader sees of rejected citations: a count, never the ids as if they were evidence. */
export function rejectedCitationsNote(rejected: readonly RejectedCitation[]): string | null {
  const n = rejected.length;
  if (n === 0) return null;
  const why = rejected.every((r) => r.reason === 'unknown_unit') ? 'named no unit of the transcript' : rejected.every((r) => r.reason === 'wrong_speaker') ? 'named the other speaker' : 'did not match the transcript';
  return `${plural(n, 'further citation', 'further citations')} ${why} and ${n === 1 ? 'was' : 'were'} rejected.`;
}

/** The method note: who scored and coded, and how many cited ids were rejected. */
export function methodNote(model: ReportModel): string {
  const a = model.analysis;
  const c = a.stats.citations;
  const coder = a.coding ? ` Clinician units coded by ${a.coding.coder.kind === 'llm' ? 'the language model' : 'a trained classifier'} (${a.coding.coder.name}).` : '';
  const rejected = c.unknownUnit + c.wrongSpeaker;
  return (
    `${model.rubric.title}, version ${model.rubric.version}, scored by ${a.model}.${coder} ` +
    `The transcript was split into ${plural(a.units.length, 'unit', 'units')}; every citation is one of them, shown with the transcript's own words. ` +
    `Of ${plural(c.cited, 'cited unit id', 'cited unit ids')}, ${c.accepted} ${c.accepted === 1 ? 'was' : 'were'} accepted and ${rejected} rejected` +
    (rejected > 0 ? ` (${c.unknownUnit} not in the transcript, ${c.wrongSpeaker} of the wrong speaker).` : '.')
  );
}

export function drawRubricSection(cursor: PdfCursor, model: ReportModel): void {
  const { analysis } = model;
  cursor.heading('Evaluation', { keepWith: 40 });
  cursor.paragraph(methodNote(model), { size: 9, color: COLOR.muted }, { after: 5 });

  const n = analysis.narrative;
  if (n.status === 'failed') {
    cursor.paragraph(`Analysis failed for the summary, strengths and suggestions: ${n.reason}`, { size: 10, color: COLOR.unverified }, { after: 4 });
  } else {
    drawStatements(cursor, model, 'Summary', [n.summary]);
    drawStatements(cursor, model, 'Strengths', n.strengths);
    drawStatements(cursor, model, 'Suggestions', n.suggestions);
  }

  cursor.gap(3);
  cursor.heading('Rubric items', { size: 13, keepWith: 35 });
  for (const section of analysis.sections) {
    cursor.subheading(section.title);
    if (section.status === 'failed') {
      cursor.paragraph(`Analysis failed for this section: ${section.reason}`, { size: 10, color: COLOR.unverified }, { after: 1.5 });
      cursor.paragraph(`Not scored: ${section.items.map((i) => i.title).join(', ')}.`, { size: 9, color: COLOR.muted }, { after: 4 });
      continue;
    }
    section.items.forEach((item, i) => {
      drawItem(cursor, model, item);
      if (i < section.items.length - 1) {
        cursor.ensure(6);
        cursor.gap(1.5);
        cursor.rule();
        cursor.gap(4.5);
      }
    });
    cursor.gap(4);
  }
  cursor.gap(2);

  if (analysis.coding) drawCoding(cursor, model, analysis.coding);
}

function drawStatements(cursor: PdfCursor, model: ReportModel, title: string, statements: readonly CitedStatement[]): void {
  if (statements.length === 0) return;
  cursor.subheading(title);
  for (const s of statements) {
    cursor.paragraph(s.text, { size: 10 }, { after: 1.5 });
    for (const u of s.citations) drawUnit(cursor, model, u);
    const note = rejectedCitationsNote(s.rejected);
    if (note) cursor.paragraph(note, { size: 8.5, color: COLOR.muted }, { after: 1 });
  }
  cursor.gap(3);
}

function drawItem(cursor: PdfCursor, model: ReportModel, item: ScoredItem): void {
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
  drawBadge(doc, PAGE.marginX + CONTENT_WIDTH - BADGE_WIDTH, top, item.citations.length > 0);
  cursor.gap(1);
  drawScore(doc, PAGE.marginX, cursor.y, item);
  cursor.y += 7;

  if (item.rationale.trim()) cursor.paragraph(item.rationale, { size: 9.5 }, { after: 2.5 });

  if (item.citations.length > 0) {
    cursor.ensure(lineHeight(8) + 12);
    applyStyle(doc, { size: 7.5, bold: true, color: COLOR.muted });
    doc.text('CITED UNITS', PAGE.marginX, cursor.y, { baseline: 'top', charSpace: 0.3 });
    cursor.y += lineHeight(7.5) + 1;
    for (const u of item.citations) drawUnit(cursor, model, u);
  } else {
    cursor.paragraph('No unit cited for this item exists in the transcript under the right speaker, so this score has no supporting evidence.', { size: 9, color: COLOR.unverified }, { after: 1.5 });
  }
  const note = rejectedCitationsNote(item.rejected);
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
function drawScore(doc: jsPDF, x: number, y: number, item: ScoredItem): void {
  applyStyle(doc, { size: 9, color: COLOR.muted });
  doc.text('Score', x, y + 0.3, { baseline: 'top' });
  const valueX = x + 12;
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

function drawUnit(cursor: PdfCursor, model: ReportModel, q: CitedUnit): void {
  const { doc } = cursor;
  const x = PAGE.marginX + QUOTE_INDENT;
  const width = CONTENT_WIDTH - QUOTE_INDENT - 2;
  const quoteStyle = { size: 9.5 };
  const lines = cursor.lines(`“${q.text}”`, width, quoteStyle);
  const attribution = cursor.lines(`${q.id} · ${speakerLabel(model, q.channel)} · ${formatTimeRange(q.start, q.end)}`, width, { size: 8, color: COLOR.muted });
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

function drawCoding(cursor: PdfCursor, model: ReportModel, coding: NonNullable<VerifiedAnalysis['coding']>): void {
  const { doc } = cursor;
  cursor.heading('Behaviour coding', { size: 13, keepWith: 55 });
  if (coding.status === 'failed') {
    cursor.paragraph(`Analysis failed for the behaviour coding: ${coding.reason}`, { size: 10, color: COLOR.unverified }, { after: 6 });
    return;
  }
  const coded = coding.codes.length;
  cursor.paragraph(
    `${coding.unitDefinition} ${plural(coded, 'clinician unit was', 'clinician units were')} coded` +
      (coding.uncoded.length > 0 ? `; ${plural(coding.uncoded.length, 'unit got', 'units got')} no valid code and ${coding.uncoded.length === 1 ? 'is' : 'are'} not counted.` : '.'),
    { size: 9, color: COLOR.muted },
    { after: 2 },
  );
  autoTable(doc, {
    ...tableStyle(cursor.y),
    head: [['Code', 'Count', 'Definition']],
    body: coding.counts.map((c) => [c.title, String(c.count), c.definition]),
    columnStyles: { 0: { cellWidth: 42 }, 1: { cellWidth: 16, halign: 'right' } },
    didParseCell: (data) => {
      if (data.section === 'head' && data.column.index === 1) data.cell.styles.halign = 'right';
    },
  });
  cursor.y = lastTableEnd(doc) + 6;
  if (coding.indicators.length === 0) return;
  cursor.heading('Summary indicators', { size: 13, keepWith: 25 });
  autoTable(doc, {
    ...tableStyle(cursor.y),
    head: [['Indicator', 'Value', 'Target', 'Formula']],
    body: coding.indicators.map((ind) => [ind.title, indicatorText(ind), ind.target ?? '—', ind.definition]),
    columnStyles: { 1: { cellWidth: 22, halign: 'right' }, 2: { cellWidth: 40 } },
    didParseCell: (data) => {
      if (data.section === 'head' && data.column.index === 1) data.cell.styles.halign = 'right';
    },
  });
  cursor.y = lastTableEnd(doc) + 6;
}

/** "0.71", "60 %", "3"; "n/a" when the denominator is 0. */
export function indicatorText(ind: IndicatorValue): string {
  if (ind.value === null) return 'n/a';
  return ind.unit === 'percent' ? `${Math.round(ind.value)} %` : formatIndicator(ind.value);
}

/** Every cited unit of the analysis once (items and narrative), for tests and summaries. */
export function citedUnits(a: VerifiedAnalysis): CitedUnit[] {
  const statements = a.narrative.status === 'written' ? [a.narrative.summary, ...a.narrative.strengths, ...a.narrative.suggestions] : [];
  const all = [...scoredItems(a).flatMap((i) => i.citations), ...statements.flatMap((s) => s.citations)];
  return [...new Map(all.map((u) => [u.id, u])).values()];
}

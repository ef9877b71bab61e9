import type { ReportModel } from '../../../app/report/report-model';
import type { IndicatorValue, SectionResult } from '../../../app/rubric/analysis';
import { indicatorValueText } from './indicator-text';
import { applyStyle, CHANNEL_COLOR, COLOR, CONTENT_WIDTH, lineHeight, PAGE, PdfCursor, PRODUCT_NAME } from './pdf-layout';
import { formatDuration, formatUtcDateTime } from './report-format';
import { drawScale, SCALE_SMALL, scoreText } from './score-scale';
import { drawWarningBox } from './warning-box';

export const REPORT_TITLE = 'Session feedback report';

/** Where the overview leaves room for the contents line, whose page numbers are known only at the end. */
export interface OverviewPlaceholders {
  contentsY: number;
}

const GLANCE = { title: 84, scaleX: 104, scoreX: 126, labelX: 140 } as const;
const INDICATOR = { valueX: 80, targetX: 104 } as const;

/** `sections`: the titles the contents line will list (their pages are filled in later). */
export function drawOverviewPage(cursor: PdfCursor, model: ReportModel, sections: readonly string[]): OverviewPlaceholders {
  drawBand(cursor);

  cursor.y = 40;
  cursor.paragraph(model.session.title, { size: 18, bold: true }, { after: 2.5 });
  drawFacts(cursor, model);
  cursor.gap(3);

  if (model.notices.length > 0) drawWarningBox(cursor, model.notices.length === 1 ? 'Notice' : 'Notices', model.notices, { bullets: true });

  // The contents line is written at the end (page numbers); its place is kept here.
  const contentsY = cursor.y;
  // Measured with three-digit page numbers so the real ones always fit.
  cursor.y += contentsBlock(cursor, sections.map((title) => ({ title, page: 999 })), 999).length * lineHeight(8.5) + 5;

  drawScoresAtAGlance(cursor, model);
  return { contentsY };
}

interface Fact {
  label: string;
  value: string;
  channel?: 0 | 1;
}

const FACT_GUTTER = 5;
/** The left column holds short facts, the right one model names, which need the room. */
const FACT_LEFT_WIDTH = 78;
const FACT_SIZE = 8.5;

/** Two columns of facts: the session and its people on the left, what produced the report on the right. */
function drawFacts(cursor: PdfCursor, model: ReportModel): void {
  const a = model.analysis;
  const coder = a.coding === null ? 'nobody: this rubric has no code book' : `${a.coding.coder.name} — ${a.coding.coder.kind === 'llm' ? 'language model' : 'trained classifier'}, automatic behaviour codes`;
  const left: Fact[] = [
    { label: 'Recorded', value: formatUtcDateTime(model.session.recordedAt) },
    { label: 'Duration', value: formatDuration(model.session.durationSec) },
    ...model.participants.map((p) => ({ label: p.roleLabel, value: `${p.displayName} (audio channel ${p.channel})`, channel: p.channel })),
    { label: 'Organisation', value: model.session.orgName },
    { label: 'Generated', value: formatUtcDateTime(model.generatedAt) },
  ];
  const right: Fact[] = [
    { label: 'Rubric', value: `${model.rubric.title}, version ${model.rubric.version}` },
    { label: 'Transcribed by', value: model.engine.stt },
    { label: 'Scored by', value: `${model.engine.llm} — language model, scores and feedback` },
    { label: 'Coded by', value: coder },
    { label: 'Session ID', value: model.session.id },
  ];
  const top = cursor.y;
  const hLeft = drawFactColumn(cursor, left, PAGE.marginX, top, FACT_LEFT_WIDTH);
  const hRight = drawFactColumn(cursor, right, PAGE.marginX + FACT_LEFT_WIDTH + FACT_GUTTER, top, CONTENT_WIDTH - FACT_LEFT_WIDTH - FACT_GUTTER);
  cursor.y = top + Math.max(hLeft, hRight);
}

function drawFactColumn(cursor: PdfCursor, facts: readonly Fact[], x: number, top: number, width: number): number {
  const { doc } = cursor;
  const size = FACT_SIZE;
  // As wide as the longest label (bold for the participants' roles), but never more than 40 % of the column.
  const labelWidth = Math.min(width * 0.4, Math.max(...facts.map((f) => (applyStyle(doc, { size, bold: f.channel !== undefined }), doc.getTextWidth(f.label)))) + 3);
  const lh = lineHeight(size);
  let y = top;
  for (const f of facts) {
    const label = cursor.lines(f.label, labelWidth - 2, { size, bold: f.channel !== undefined });
    const value = cursor.lines(f.value, width - labelWidth, { size });
    applyStyle(doc, { size, bold: f.channel !== undefined, color: f.channel !== undefined ? CHANNEL_COLOR[f.channel] : COLOR.muted });
    label.forEach((l, i) => doc.text(l, x, y + i * lh, { baseline: 'top' }));
    applyStyle(doc, { size });
    value.forEach((l, i) => doc.text(l, x + labelWidth, y + i * lh, { baseline: 'top' }));
    y += Math.max(label.length, value.length) * lh + 0.9;
  }
  return y - top;
}

export interface ContentsEntry {
  title: string;
  page: number;
}

function contentsBlock(cursor: PdfCursor, entries: readonly ContentsEntry[], methodPage: number): string[] {
  const style = { size: 8.5, color: COLOR.muted };
  return [
    ...cursor.lines(
      `Scores, behaviour codes and feedback are produced automatically by AI models from the recording: a starting point for reflection and discussion, not a judgement of competence. How they were produced: page ${methodPage}.`,
      CONTENT_WIDTH,
      style,
    ),
    ...cursor.lines(`Contents: ${entries.map((e) => `${e.title} p. ${e.page}`).join(' · ')}`, CONTENT_WIDTH, style),
  ];
}

/** Written on page 1 once every section's page is known, in the room the overview kept for it. */
export function drawContents(cursor: PdfCursor, at: OverviewPlaceholders, entries: readonly ContentsEntry[], methodPage: number): void {
  const { doc } = cursor;
  const current = cursor.page;
  doc.setPage(1);
  applyStyle(doc, { size: 8.5, color: COLOR.muted });
  contentsBlock(cursor, entries, methodPage).forEach((line, i) => doc.text(line, PAGE.marginX, at.contentsY + i * lineHeight(8.5), { baseline: 'top' }));
  doc.setPage(current);
}

function drawScoresAtAGlance(cursor: PdfCursor, model: ReportModel): void {
  cursor.heading('Scores at a glance', { size: 13, keepWith: 25 });
  const a = model.analysis;
  for (const section of a.sections) {
    drawGlanceSection(cursor, section);
  }
  if (a.coding?.status === 'coded' && a.coding.indicators.length > 0) drawIndicatorsAtAGlance(cursor, a.coding.indicators);
  const failures: string[] = [];
  if (a.narrative.status === 'failed') failures.push(`Summary, strengths and suggestions: analysis failed: ${a.narrative.reason}`);
  if (a.coding?.status === 'failed') failures.push(`Behaviour coding: analysis failed: ${a.coding.reason}`);
  if (failures.length > 0) {
    cursor.gap(2);
    for (const f of failures) cursor.paragraph(f, { size: 9, color: COLOR.warning }, { after: 1 });
  }
  if (a.sections.length === 0) cursor.paragraph('This rubric has no scored items.', { size: 9, color: COLOR.muted });
}

/** The coding's indicators in one line each: value and target; the calculation is in the coding section. */
function drawIndicatorsAtAGlance(cursor: PdfCursor, indicators: readonly IndicatorValue[]): void {
  const { doc } = cursor;
  cursor.band('Behaviour indicators (from the automatic codes)', 7, 9);
  cursor.y += 1;
  for (const ind of indicators) {
    const title = cursor.lines(ind.title, INDICATOR.valueX - PAGE.marginX - 4, { size: 9 });
    const target = ind.target ? cursor.lines(`target ${ind.target}`, PAGE.marginX + CONTENT_WIDTH - INDICATOR.targetX, { size: 8.5 }) : [];
    const h = Math.max(title.length * lineHeight(9), target.length * lineHeight(8.5)) + 1.6;
    cursor.ensure(h);
    const top = cursor.y + 0.8;
    applyStyle(doc, { size: 9 });
    title.forEach((l, i) => doc.text(l, PAGE.marginX + 2, top + i * lineHeight(9), { baseline: 'top' }));
    applyStyle(doc, { size: 9, bold: true });
    doc.text(indicatorValueText(ind), INDICATOR.valueX, top, { baseline: 'top' });
    applyStyle(doc, { size: 8.5, color: COLOR.muted });
    target.forEach((l, i) => doc.text(l, INDICATOR.targetX, top + 0.3 + i * lineHeight(8.5), { baseline: 'top' }));
    cursor.y += h;
    doc.setDrawColor(...COLOR.rule);
    doc.setLineWidth(0.2);
    doc.line(PAGE.marginX, cursor.y, PAGE.marginX + CONTENT_WIDTH, cursor.y);
  }
  cursor.y += 2.5;
}

function drawGlanceSection(cursor: PdfCursor, section: SectionResult): void {
  const { doc } = cursor;
  cursor.band(section.title, 7, 9);
  cursor.y += 1;

  if (section.status === 'failed') {
    cursor.paragraph(`Analysis failed: ${section.reason}`, { size: 9, color: COLOR.warning }, { x: PAGE.marginX + 2, after: 0.5 });
    cursor.paragraph(`Not scored: ${section.items.map((i) => i.title).join(', ')}.`, { size: 8.5, color: COLOR.muted }, { x: PAGE.marginX + 2, after: 2 });
    return;
  }
  for (const item of section.items) {
    const title = cursor.lines(item.title, GLANCE.title - 2, { size: 9 });
    const labelText = [item.scoreLabel, item.scoreBasis?.notShown ? 'not shown in the coding' : item.citations.length === 0 ? 'no cited evidence' : null].filter(Boolean).join(' · ');
    const label = labelText ? cursor.lines(labelText, PAGE.marginX + CONTENT_WIDTH - GLANCE.labelX, { size: 8.5 }) : [];
    const h = Math.max(title.length * lineHeight(9), label.length * lineHeight(8.5), 4) + 1.6;
    cursor.ensure(h);
    const top = cursor.y + 0.8;
    applyStyle(doc, { size: 9 });
    title.forEach((l, i) => doc.text(l, PAGE.marginX + 2, top + i * lineHeight(9), { baseline: 'top' }));
    drawScale(doc, GLANCE.scaleX, top + 0.4, item, SCALE_SMALL);
    applyStyle(doc, { size: 9, bold: true });
    doc.text(scoreText(item), GLANCE.scoreX, top, { baseline: 'top' });
    applyStyle(doc, { size: 8.5, color: item.citations.length === 0 ? COLOR.warning : COLOR.muted });
    label.forEach((l, i) => doc.text(l, GLANCE.labelX, top + 0.3 + i * lineHeight(8.5), { baseline: 'top' }));
    cursor.y += h;
    doc.setDrawColor(...COLOR.rule);
    doc.setLineWidth(0.2);
    doc.line(PAGE.marginX, cursor.y, PAGE.marginX + CONTENT_WIDTH, cursor.y);
  }
  cursor.y += 2.5;
}

function drawBand(cursor: PdfCursor): void {
  const { doc } = cursor;
  doc.setFillColor(...COLOR.accent);
  doc.rect(0, 0, PAGE.width, 31, 'F');
  applyStyle(doc, { size: 10, bold: true, color: [200, 220, 240] });
  doc.text(PRODUCT_NAME.toUpperCase(), PAGE.marginX, 10, { baseline: 'top', charSpace: 0.6 });
  applyStyle(doc, { size: 20, bold: true, color: [255, 255, 255] });
  doc.text(REPORT_TITLE, PAGE.marginX, 16, { baseline: 'top' });
}

import type { CitedStatement } from '../../../app/rubric/analysis';
import type { ReportModel } from '../../../app/report/report-model';
import { drawCitedUnit, layoutCitedUnit, type CitedUnitBlock } from './cited-unit';
import { applyStyle, COLOR, CONTENT_WIDTH, lineHeight, PAGE, type PdfCursor } from './pdf-layout';
import type { UnitLinks } from './unit-links';
import { plural } from './report-format';
import { drawWarningBox } from './warning-box';

export const FEEDBACK_TITLE = 'Feedback';
const TEXT_SIZE = 10;
const NUMBER_INDENT = 6;

/** Summary, strengths and suggestions, each followed by the transcript moments it rests on; then the suggestions from the behaviour counts. */
export function drawFeedbackSection(cursor: PdfCursor, model: ReportModel, links: UnitLinks): void {
  const n = model.analysis.narrative;
  cursor.heading(FEEDBACK_TITLE, { keepWith: 40 });
  if (n.status === 'failed') {
    drawWarningBox(cursor, 'Analysis failed for the summary, strengths and suggestions', [
      `Reason: ${n.reason}`,
      'No summary, strengths or suggestions are shown, because the model’s answer could not be used. The scores and behaviour codes below do not depend on it.',
    ]);
  } else {
    cursor.paragraph('Written by the language model from the transcript. Under each point are the moments it rests on: unit id, time, speaker and the transcript’s own words.', { size: 8.5, color: COLOR.muted }, { after: 4 });
    const summary = n.summary.text.trim() ? [n.summary] : [];
    drawGroup(cursor, model, links, 'Summary', summary, false, 'No summary was written.');
    drawGroup(cursor, model, links, 'Strengths', n.strengths, true, 'No strengths were named.');
    const leftOut = n.leftOut ?? [];
    drawGroup(cursor, model, links, 'Suggestions', n.suggestions, true, leftOut.length > 0 ? 'None of the model’s suggestions is shown (see the note below).' : 'No suggestions were made.');
    if (leftOut.length > 0) {
      const quoted = leftOut.map((p) => `“${p.text.length > 140 ? `${p.text.slice(0, 139)}…` : p.text}”`).join(' ');
      cursor.paragraph(`Left out: ${plural(leftOut.length, 'suggestion', 'suggestions')} of the model, because ${leftOut[0]!.why}: ${quoted}`, { size: 8.5, color: COLOR.muted }, { after: 4 });
    }
  }
  const practice = model.analysis.coding?.status === 'coded' ? (model.analysis.coding.practice ?? []) : [];
  if (practice.length > 0) {
    cursor.subheading(PRACTICE_TITLE, 30);
    cursor.paragraph('Computed from the behaviour codes, not written by the model: each indicator that missed the rubric’s target, the rubric’s advice, and the moments it counts.', { size: 8.5, color: COLOR.muted }, { after: 3 });
    drawGroup(cursor, model, links, null, practice, true, '', 'Nothing to point to: what is counted here was not said.');
  }
}

export const PRACTICE_TITLE = 'From the behaviour counts';

interface StatementLayout {
  text: string[];
  textHeight: number;
  units: CitedUnitBlock[];
}

function drawGroup(cursor: PdfCursor, model: ReportModel, links: UnitLinks, title: string | null, statements: readonly CitedStatement[], numbered: boolean, none: string, noUnits = 'No cited moment of the transcript supports this point.'): void {
  const x = PAGE.marginX + (numbered ? NUMBER_INDENT : 0);
  const laid: StatementLayout[] = statements
    .filter((s) => s.text.trim() !== '')
    .map((s) => {
      const text = cursor.lines(s.text, PAGE.marginX + CONTENT_WIDTH - x, { size: TEXT_SIZE });
      return { text, textHeight: text.length * lineHeight(TEXT_SIZE), units: s.citations.map((u) => layoutCitedUnit(cursor, model, u, x + 1)) };
    });
  const first = laid[0];
  if (title !== null) cursor.subheading(title, first ? firstPartHeight(first) : 8);
  if (!first) {
    cursor.paragraph(none, { size: 9, color: COLOR.muted }, { after: 4 });
    return;
  }
  laid.forEach((s, i) => {
    // A point never starts at a page foot without at least its first cited moment.
    cursor.ensure(Math.min(firstPartHeight(s), cursor.limit - PAGE.top));
    const { doc } = cursor;
    applyStyle(doc, { size: TEXT_SIZE, bold: true, color: COLOR.accent });
    if (numbered) doc.text(`${i + 1}.`, PAGE.marginX, cursor.y, { baseline: 'top' });
    for (const line of s.text) {
      cursor.ensure(lineHeight(TEXT_SIZE));
      applyStyle(doc, { size: TEXT_SIZE });
      doc.text(line, x, cursor.y, { baseline: 'top' });
      cursor.y += lineHeight(TEXT_SIZE);
    }
    cursor.gap(1.2);
    if (s.units.length === 0) cursor.paragraph(noUnits, { size: 8.5, color: title === null ? COLOR.muted : COLOR.warning }, { x: x + 1, after: 1 });
    for (const u of s.units) drawCitedUnit(cursor, u, x + 1, links);
    cursor.gap(2.2);
  });
  cursor.gap(2);
}

function firstPartHeight(s: StatementLayout): number {
  return s.textHeight + 1.2 + (s.units[0]?.height ?? 5);
}

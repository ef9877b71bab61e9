import { autoTable } from 'jspdf-autotable';
import type { ReportModel } from '../../../app/report/report-model';
import { COLOR, lastTableEnd, type PdfCursor, tableStyle } from './pdf-layout';
import { plural } from './report-format';
import { indicatorCalculation, indicatorValueText, shortDefinition } from './indicator-text';
import { drawWarningBox } from './warning-box';

export const CODING_TITLE = 'Behaviour coding';

/** Counts per code (all of them, zeros included) and the indicators computed from the counts. */
export function drawCodingSection(cursor: PdfCursor, model: ReportModel): void {
  const coding = model.analysis.coding;
  if (coding === null) return;
  const { doc } = cursor;
  cursor.heading(CODING_TITLE, { keepWith: 50 });
  const coder = coding.coder.kind === 'llm' ? `the language model ${coding.coder.name}` : `a trained classifier (${coding.coder.name})`;
  if (coding.status === 'failed') {
    drawWarningBox(cursor, 'Analysis failed for the behaviour coding', [`Reason: ${coding.reason}`, `The clinician units were to be coded by ${coder}. No counts or indicators are shown.`]);
    return;
  }
  const coded = coding.codes.length;
  cursor.paragraph(
    `${coding.unitDefinition} The codes were assigned automatically by ${coder} and have not been checked by a person; each unit’s code is shown next to it in the transcript. ` +
      `${plural(coded, 'clinician unit was', 'clinician units were')} coded` +
      (coding.uncoded.length > 0 ? `; ${plural(coding.uncoded.length, 'unit got', 'units got')} no valid code and ${coding.uncoded.length === 1 ? 'is' : 'are'} not counted.` : '.') +
      ' Patient units are not coded.',
    { size: 8.5, color: COLOR.muted },
    { after: 2.5 },
  );
  autoTable(doc, {
    ...tableStyle(cursor.y),
    head: [['Code', 'Count', 'What it means']],
    body: coding.counts.map((c) => [c.title, String(c.count), shortDefinition(c.definition)]),
    styles: { ...tableStyle(0).styles, fontSize: 8.5, cellPadding: { top: 1.2, bottom: 1.2, left: 2, right: 2 } },
    columnStyles: { 0: { cellWidth: 42, fontStyle: 'bold' }, 1: { cellWidth: 15, halign: 'right' } },
    didParseCell: (data) => {
      if (data.section === 'head' && data.column.index === 1) data.cell.styles.halign = 'right';
      if (data.section === 'body' && coding.counts[data.row.index]?.count === 0) data.cell.styles.textColor = [...COLOR.muted];
    },
  });
  cursor.y = lastTableEnd(doc) + 7;
  if (coding.indicators.length === 0) return;

  cursor.subheading('Indicators computed from the counts', 25);
  autoTable(doc, {
    ...tableStyle(cursor.y),
    head: [['Indicator', 'Value', 'How it is calculated', 'Target']],
    body: coding.indicators.map((ind) => [ind.title, indicatorValueText(ind), indicatorCalculation(ind, coding.counts), ind.target ?? '—']),
    styles: { ...tableStyle(0).styles, fontSize: 8.5, cellPadding: { top: 1.2, bottom: 1.2, left: 2, right: 2 } },
    columnStyles: { 0: { cellWidth: 36, fontStyle: 'bold' }, 1: { cellWidth: 16, halign: 'right', fontStyle: 'bold' }, 3: { cellWidth: 40 } },
    didParseCell: (data) => {
      if (data.section === 'head' && data.column.index === 1) data.cell.styles.halign = 'right';
    },
  });
  cursor.y = lastTableEnd(doc) + 6;
}

import type { jsPDF } from 'jspdf';
import type { ReportModel } from '../../../app/report/report-model';
import { applyStyle, COLOR, CONTENT_WIDTH, fitText, PAGE, PRODUCT_NAME } from './pdf-layout';
import { formatUtcDateTime } from './report-format';

/**
 * Running header (from page 2; the cover has its own band) and footer with "Page n of N",
 * drawn once every page exists so N is known.
 */
export function drawPageFrames(doc: jsPDF, model: ReportModel): void {
  const total = doc.getNumberOfPages();
  const right = PAGE.marginX + CONTENT_WIDTH;
  const recorded = `Recorded ${formatUtcDateTime(model.session.recordedAt)}`;
  for (let page = 1; page <= total; page++) {
    doc.setPage(page);
    if (page > 1) {
      applyStyle(doc, { size: 8, color: COLOR.muted });
      const rightWidth = doc.getTextWidth(recorded);
      const left = fitText(doc, `${PRODUCT_NAME} · ${model.session.title}`, CONTENT_WIDTH - rightWidth - 6);
      doc.text(left, PAGE.marginX, 12, { baseline: 'top' });
      doc.text(recorded, right, 12, { baseline: 'top', align: 'right' });
      doc.setDrawColor(...COLOR.rule);
      doc.setLineWidth(0.25);
      doc.line(PAGE.marginX, 16.5, right, 16.5);
    }
    const footerY = PAGE.height - 13;
    doc.setDrawColor(...COLOR.rule);
    doc.setLineWidth(0.25);
    doc.line(PAGE.marginX, footerY - 2.5, right, footerY - 2.5);
    applyStyle(doc, { size: 8, color: COLOR.muted });
    const pageLabel = `Page ${page} of ${total}`;
    const org = fitText(doc, `${model.session.orgName} · Confidential: contains session content`, CONTENT_WIDTH - doc.getTextWidth(pageLabel) - 6);
    doc.text(org, PAGE.marginX, footerY, { baseline: 'top' });
    doc.text(pageLabel, right, footerY, { baseline: 'top', align: 'right' });
  }
}

import { applyStyle, COLOR, CONTENT_WIDTH, lineHeight, PAGE, type PdfCursor } from './pdf-layout';

/**
 * An amber box for what the reader must not miss: notices (echo, draft model) and analyses that
 * failed. Kept on one page; a failed analysis is never drawn in the colours of a score.
 */
export function drawWarningBox(cursor: PdfCursor, heading: string, paragraphs: readonly string[], opts: { bullets?: boolean; size?: number } = {}): void {
  const { doc } = cursor;
  const size = opts.size ?? 9;
  const pad = 3.5;
  const indent = opts.bullets ? 5 : 0;
  const wrapped = paragraphs.map((p) => cursor.lines(p, CONTENT_WIDTH - 2 * pad - indent, { size }));
  const lh = lineHeight(size);
  const height = pad * 2 + lineHeight(size + 0.5) + 1 + wrapped.reduce((h, lines) => h + lines.length * lh + 0.8, 0) - 0.8;
  cursor.ensure(height + 3);
  doc.setFillColor(...COLOR.noticeFill);
  doc.setDrawColor(...COLOR.noticeBorder);
  doc.setLineWidth(0.5);
  doc.roundedRect(PAGE.marginX, cursor.y, CONTENT_WIDTH, height, 1.5, 1.5, 'FD');
  let y = cursor.y + pad;
  applyStyle(doc, { size: size + 0.5, bold: true, color: COLOR.warning });
  doc.text(heading, PAGE.marginX + pad, y, { baseline: 'top' });
  y += lineHeight(size + 0.5) + 1;
  applyStyle(doc, { size });
  for (const lines of wrapped) {
    if (opts.bullets) doc.text('•', PAGE.marginX + pad + 0.5, y, { baseline: 'top' });
    for (const line of lines) {
      doc.text(line, PAGE.marginX + pad + indent, y, { baseline: 'top' });
      y += lh;
    }
    y += 0.8;
  }
  cursor.y += height + 4;
}

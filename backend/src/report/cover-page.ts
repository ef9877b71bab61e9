import { autoTable } from 'jspdf-autotable';
import type { ReportModel } from '../../../app/report/report-model';
import { applyStyle, CHANNEL_COLOR, COLOR, CONTENT_WIDTH, lastTableEnd, lineHeight, PAGE, PdfCursor, PRODUCT_NAME, tableStyle } from './pdf-layout';
import { formatDuration, formatUtcDateTime } from './report-format';

export const REPORT_TITLE = 'Session feedback report';

const HOW_TO_READ = [
  'Scores and rationales are written by an AI language model applying the rubric below; treat them as a starting point for reflection, not as a final judgement.',
  'Every quote shown as evidence was checked word for word against the transcript and is given with its speaker and time.',
  'Quotes the model cited that could not be found in the transcript were discarded and are never shown as support.',
  'A rubric item without any verified evidence is marked UNVERIFIED.',
  'Conversation metrics are measured from the two audio channels (one per participant) and need no AI.',
];

export function drawCoverPage(cursor: PdfCursor, model: ReportModel): void {
  const { doc } = cursor;
  drawBand(cursor);

  cursor.y = 56;
  cursor.paragraph(model.session.title, { size: 20, bold: true }, { after: 4 });

  const rows: [string, string][] = [
    ['Recorded', formatUtcDateTime(model.session.recordedAt)],
    ['Duration', formatDuration(model.session.durationSec)],
    ['Organisation', model.session.orgName],
    ['Rubric', `${model.rubric.title} (version ${model.rubric.version})`],
    ['Speech-to-text', model.engine.stt],
    ['Language model', model.engine.llm],
    ['Report generated', formatUtcDateTime(model.generatedAt)],
    ['Session ID', model.session.id],
  ];
  autoTable(doc, {
    ...tableStyle(cursor.y),
    body: rows,
    styles: { ...tableStyle(0).styles, fontSize: 10, cellPadding: { top: 1.3, bottom: 1.3, left: 0, right: 2 } },
    bodyStyles: {},
    columnStyles: { 0: { cellWidth: 40, textColor: [...COLOR.muted] } },
  });
  cursor.y = lastTableEnd(doc) + 7;

  if (model.notices.length > 0) drawNotices(cursor, model.notices);
  drawParticipants(cursor, model);
  if (model.rubric.attribution) {
    cursor.paragraph(`Rubric: ${model.rubric.attribution}`, { size: 8, color: COLOR.muted }, { after: 5 });
  }
  drawHowToRead(cursor);
}

function drawBand(cursor: PdfCursor): void {
  const { doc } = cursor;
  doc.setFillColor(...COLOR.accent);
  doc.rect(0, 0, PAGE.width, 44, 'F');
  applyStyle(doc, { size: 10, bold: true, color: [200, 220, 240] });
  doc.text(PRODUCT_NAME.toUpperCase(), PAGE.marginX, 16, { baseline: 'top', charSpace: 0.6 });
  applyStyle(doc, { size: 22, bold: true, color: [255, 255, 255] });
  doc.text(REPORT_TITLE, PAGE.marginX, 24, { baseline: 'top' });
}

function drawParticipants(cursor: PdfCursor, model: ReportModel): void {
  const { doc } = cursor;
  const gutter = 6;
  const cardWidth = (CONTENT_WIDTH - gutter) / 2;
  const inner = cardWidth - 9;
  const cards = model.participants.map((p) => ({
    p,
    name: cursor.lines(p.displayName, inner, { size: 11, bold: true }),
    role: cursor.lines(`${p.roleLabel} · audio channel ${p.channel}`, inner, { size: 9 }),
  }));
  const height = Math.max(...cards.map((c) => c.name.length * lineHeight(11) + c.role.length * lineHeight(9))) + 7;
  cursor.ensure(height + 8);
  applyStyle(doc, { size: 9, bold: true, color: COLOR.muted });
  doc.text('PARTICIPANTS', PAGE.marginX, cursor.y, { baseline: 'top', charSpace: 0.4 });
  cursor.y += 5;
  cards.forEach((card, i) => {
    const x = PAGE.marginX + i * (cardWidth + gutter);
    doc.setFillColor(...COLOR.panel);
    doc.rect(x, cursor.y, cardWidth, height, 'F');
    doc.setFillColor(...CHANNEL_COLOR[card.p.channel]);
    doc.rect(x, cursor.y, 2, height, 'F');
    let y = cursor.y + 3.5;
    applyStyle(doc, { size: 11, bold: true });
    for (const line of card.name) {
      doc.text(line, x + 6, y, { baseline: 'top' });
      y += lineHeight(11);
    }
    applyStyle(doc, { size: 9, color: COLOR.muted });
    for (const line of card.role) {
      doc.text(line, x + 6, y, { baseline: 'top' });
      y += lineHeight(9);
    }
  });
  cursor.y += height + 6;
}

/** Warnings sit in a coloured box so a reader cannot miss them (e.g. echo: results less reliable). */
function drawNotices(cursor: PdfCursor, notices: readonly string[]): void {
  const { doc } = cursor;
  const pad = 4;
  const textWidth = CONTENT_WIDTH - 2 * pad - 5;
  const wrapped = notices.map((n) => cursor.lines(n, textWidth, { size: 9.5 }));
  const lh = lineHeight(9.5);
  const height = pad * 2 + lineHeight(10) + 1.5 + wrapped.reduce((h, lines) => h + lines.length * lh + 1, 0);
  cursor.ensure(height + 4);
  doc.setFillColor(...COLOR.noticeFill);
  doc.setDrawColor(...COLOR.noticeBorder);
  doc.setLineWidth(0.5);
  doc.roundedRect(PAGE.marginX, cursor.y, CONTENT_WIDTH, height, 1.5, 1.5, 'FD');
  let y = cursor.y + pad;
  applyStyle(doc, { size: 10, bold: true, color: COLOR.unverified });
  doc.text(notices.length === 1 ? 'Notice' : 'Notices', PAGE.marginX + pad, y, { baseline: 'top' });
  y += lineHeight(10) + 1.5;
  applyStyle(doc, { size: 9.5 });
  for (const lines of wrapped) {
    doc.text('•', PAGE.marginX + pad + 0.5, y, { baseline: 'top' });
    for (const line of lines) {
      doc.text(line, PAGE.marginX + pad + 5, y, { baseline: 'top' });
      y += lh;
    }
    y += 1;
  }
  cursor.y += height + 6;
}

function drawHowToRead(cursor: PdfCursor): void {
  cursor.ensure(40);
  applyStyle(cursor.doc, { size: 9, bold: true, color: COLOR.muted });
  cursor.doc.text('HOW TO READ THIS REPORT', PAGE.marginX, cursor.y, { baseline: 'top', charSpace: 0.4 });
  cursor.y += 5;
  cursor.bullets(HOW_TO_READ, { size: 9 });
}

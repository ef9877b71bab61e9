import { autoTable } from 'jspdf-autotable';
import type { ReportModel } from '../../../app/report/report-model';
import { CHANNEL_COLOR, COLOR, lastTableEnd, PdfCursor, tableStyle } from './pdf-layout';
import { formatClock, plural } from './report-format';
import { participantOn } from './report-participants';

/** Every segment in time order; autoTable wraps long turns and repeats the header on each page. */
export function drawTranscriptSection(cursor: PdfCursor, model: ReportModel): void {
  const { doc } = cursor;
  const { transcript } = model;
  const segments = [...transcript.segments].sort((a, b) => a.start - b.start || a.channel - b.channel);
  cursor.heading('Transcript', { keepWith: 30 });
  cursor.paragraph(
    `${plural(segments.length, 'segment', 'segments')}, language “${transcript.language}”, transcribed by ${transcript.engine.name} (${transcript.engine.model}). Times are from the start of the recording.`,
    { size: 9, color: COLOR.muted },
    { after: 2 },
  );
  autoTable(doc, {
    ...tableStyle(cursor.y),
    head: [['Time', 'Speaker', 'Text']],
    body: segments.map((s) => [formatClock(s.start), participantOn(model, s.channel).displayName, s.text.trim() || '(no words recognised)']),
    styles: { ...tableStyle(0).styles, fontSize: 9 },
    columnStyles: { 0: { cellWidth: 15, textColor: [...COLOR.muted] }, 1: { cellWidth: 36, fontStyle: 'bold' } },
    rowPageBreak: 'auto',
    didParseCell: (data) => {
      if (data.section !== 'body' || data.column.index !== 1) return;
      const seg = segments[data.row.index];
      if (seg) data.cell.styles.textColor = [...CHANNEL_COLOR[seg.channel]];
    },
  });
  cursor.y = lastTableEnd(doc) + 4;
}

import { autoTable } from 'jspdf-autotable';
import type { SpeakerMetrics } from '../../../app/metrics/metrics-model';
import type { ReportModel } from '../../../app/report/report-model';
import { CHANNEL_COLOR, COLOR, CONTENT_WIDTH, lastTableEnd, PAGE, PdfCursor, tableStyle } from './pdf-layout';
import { formatDuration, formatPercent, formatSeconds, plural } from './report-format';
import { participantOn } from './report-participants';
import { drawTalkTimeline, timelineDuration } from './talk-timeline';
import { detailWindowSec, drawTimelineDetail } from './talk-timeline-detail';

const SPEAKER_ROWS: [string, (s: SpeakerMetrics) => string][] = [
  ['Talk time', (s) => formatDuration(s.talkTimeSec)],
  ['Share of talk time', (s) => formatPercent(s.talkRatio)],
  ['Turns', (s) => String(s.turns)],
  ['Words', (s) => String(s.words)],
  ['Speech rate', (s) => `${Math.round(s.speechRateWpm)} words/min`],
  ['Longest monologue', (s) => formatSeconds(s.longestMonologueSec)],
  ['Open questions (by wording)', (s) => String(s.questions.open)],
  ['Closed questions (by wording)', (s) => String(s.questions.closed)],
  ['Interruptions made', (s) => String(s.interruptionsMade)],
];

export const METRICS_TITLE = 'Conversation metrics';

export function drawMetricsPage(cursor: PdfCursor, model: ReportModel): void {
  const { doc } = cursor;
  const { metrics } = model;
  cursor.heading(METRICS_TITLE, { keepWith: 60 });
  cursor.paragraph('Measured from the timing of the two audio channels (one per participant); no AI model is involved.', { size: 9, color: COLOR.muted }, { after: 4 });

  cursor.subheading('Who spoke when', 40);
  cursor.y += drawTalkTimeline(doc, { x: PAGE.marginX, y: cursor.y, width: CONTENT_WIDTH }, model) + 6;
  if (detailWindowSec(timelineDuration(metrics)) !== null) {
    cursor.subheading('Who spoke when, in detail', 20);
    drawTimelineDetail(cursor, model);
    cursor.gap(4);
  }

  cursor.subheading('Per speaker', 40);
  const bySpeaker = ([0, 1] as const).map((c) => metrics.speakers.find((s) => s.channel === c) ?? metrics.speakers[c]);
  autoTable(doc, {
    ...tableStyle(cursor.y),
    head: [['', ...([0, 1] as const).map((c) => `${participantOn(model, c).displayName}\n${participantOn(model, c).roleLabel}`)]],
    body: SPEAKER_ROWS.map(([label, value]) => [label, ...bySpeaker.map(value)]),
    columnStyles: { 0: { cellWidth: 56, textColor: [...COLOR.muted] }, 1: { halign: 'right' }, 2: { halign: 'right' } },
    didParseCell: (data) => {
      if (data.section !== 'head') return;
      if (data.column.index > 0) {
        data.cell.styles.halign = 'right';
        data.cell.styles.textColor = [...CHANNEL_COLOR[(data.column.index - 1) as 0 | 1]];
      }
    },
  });
  cursor.y = lastTableEnd(doc) + 1.5;
  if (model.analysis.coding?.status === 'coded') {
    cursor.paragraph(
      'Questions here are counted from punctuation and first words of every sentence, without AI; the behaviour coding codes each clinician unit in context, so its question counts can differ.',
      { size: 8, color: COLOR.muted },
    );
  }
  cursor.gap(6.5);

  cursor.subheading('Conversation', 30);
  const { overlap, pauses } = metrics;
  autoTable(doc, {
    ...tableStyle(cursor.y),
    body: [
      ['Duration', formatDuration(metrics.durationSec)],
      ['Both speaking at once', `${formatSeconds(overlap.totalSec)} in ${plural(overlap.count, 'episode', 'episodes')}`],
      [`Pauses (silence of ${formatSeconds(pauses.thresholdSec)} or more)`, `${pauses.count}, ${formatSeconds(pauses.totalSec)} in total`],
      ['Longest pause', formatSeconds(pauses.longestSec)],
      ['Mean pause', formatSeconds(pauses.meanSec)],
    ],
    columnStyles: { 0: { cellWidth: 70, textColor: [...COLOR.muted] }, 1: { halign: 'right' } },
  });
  cursor.y = lastTableEnd(doc) + 6;
}

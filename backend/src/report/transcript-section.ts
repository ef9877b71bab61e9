import type { ReportModel } from '../../../app/report/report-model';
import type { TranscriptUnit } from '../../../app/transcript/units';
import { citedUnits } from './cited-unit';
import { applyStyle, ascent, CHANNEL_COLOR, COLOR, CONTENT_WIDTH, lineHeight, PAGE, type PdfCursor } from './pdf-layout';
import { formatClock } from './report-format';
import { participantOn } from './report-participants';
import type { UnitLinks } from './unit-links';

export const TRANSCRIPT_TITLE = 'Transcript';

const TEXT_SIZE = 9;
const TAG_SIZE = 6.8;
const COL = { marker: PAGE.marginX, id: PAGE.marginX + 3.2, time: PAGE.marginX + 12.5, speaker: PAGE.marginX + 23.5, text: PAGE.marginX + 43 } as const;
const TAG_WIDTH = 33;
const TEXT_WIDTH = PAGE.marginX + CONTENT_WIDTH - TAG_WIDTH - 3 - COL.text;
const PAD = 0.6;

/**
 * Every transcript unit in time order, as the model read it: id, time, speaker (named when the
 * speaker changes), the words, the clinician units' behaviour code as a tag, and a marker on each
 * unit cited anywhere in the report. Ids are the ones the feedback and rubric items show.
 */
export function drawTranscriptSection(cursor: PdfCursor, model: ReportModel, links: UnitLinks): void {
  const { doc } = cursor;
  const { analysis, transcript } = model;
  const units = analysis.units;
  const cited = new Set(citedUnits(analysis).map((u) => u.id));
  const coding = analysis.coding?.status === 'coded' ? analysis.coding : null;
  const codeTitle = new Map(coding?.counts.map((c) => [c.codeId, c.title]) ?? []);
  const codeOf = new Map(coding?.codes.map((c) => [c.unitId, codeTitle.get(c.code) ?? c.code]) ?? []);
  const uncoded = new Set(coding?.uncoded ?? []);

  cursor.heading(TRANSCRIPT_TITLE, { keepWith: 30 });
  const [a, b] = [participantOn(model, 0), participantOn(model, 1)];
  cursor.paragraph(
    `${units.length} units in time order${units.length > 0 ? ` (${units[0]!.id}–${units.at(-1)!.id})` : ''}, transcribed by ${transcript.engine.name} (${transcript.engine.model}), language “${transcript.language}”; times from the start of the recording. ` +
      `${a.roleLabel}: ${a.displayName} (channel 0); ${b.roleLabel}: ${b.displayName} (channel 1). ` +
      (coding ? 'Each clinician unit carries its automatic behaviour code. ' : '') +
      '● marks a unit cited in the feedback or a rubric item.',
    { size: 8.5, color: COLOR.muted },
    { after: 2 },
  );
  if (units.length === 0) {
    cursor.paragraph('No speech was transcribed.', { size: 9, color: COLOR.muted });
    return;
  }

  let headerPage = -1;
  let previous: TranscriptUnit | null = null;
  for (const u of units) {
    const text = cursor.lines(u.text, TEXT_WIDTH, { size: TEXT_SIZE });
    const code = u.channel === 0 ? (codeOf.get(u.id) ?? (uncoded.has(u.id) ? 'no valid code' : null)) : null;
    const tag = code ? cursor.lines(code, TAG_WIDTH - 2.4, { size: TAG_SIZE }) : [];
    // The speaker is named when it changes and atop each page; a long role label wraps in its column.
    const who = cursor.lines(participantOn(model, u.channel).roleLabel, COL.text - COL.speaker - 2.5, { size: 7.5, bold: true });
    const rowHeight = (named: boolean) => Math.max(text.length * lineHeight(TEXT_SIZE), tag.length * lineHeight(TAG_SIZE) + 1, named ? who.length * lineHeight(7.5) : 0) + 2 * PAD;
    cursor.ensure(Math.min(rowHeight(true), cursor.limit - PAGE.top) + (headerPage !== cursor.page ? 6 : 0));
    if (headerPage !== cursor.page) {
      drawColumnHeader(cursor, coding !== null);
      headerPage = cursor.page;
      previous = null;
    }
    const top = cursor.y;
    // Every column shares the first line's baseline, whatever its font size.
    const baseline = top + PAD + ascent(TEXT_SIZE);
    const newSpeaker = previous === null || previous.channel !== u.channel;
    const height = rowHeight(newSpeaker);
    if (newSpeaker && previous !== null) {
      doc.setDrawColor(...COLOR.rule);
      doc.setLineWidth(0.2);
      doc.line(PAGE.marginX, top, PAGE.marginX + CONTENT_WIDTH, top);
    }
    const isCited = cited.has(u.id);
    if (isCited) {
      doc.setFillColor(...COLOR.accent);
      doc.circle(COL.marker + 1, baseline - 1.05, 0.85, 'F');
      links.to(u.id, top);
    }
    applyStyle(doc, { size: 7.5, bold: isCited, color: isCited ? COLOR.accent : COLOR.muted });
    doc.text(u.id, COL.id, baseline, { baseline: 'alphabetic' });
    applyStyle(doc, { size: 7.5, color: COLOR.muted });
    doc.text(formatClock(u.start), COL.time, baseline, { baseline: 'alphabetic' });
    if (newSpeaker) {
      applyStyle(doc, { size: 7.5, bold: true, color: CHANNEL_COLOR[u.channel] });
      doc.text(who, COL.speaker, baseline, { baseline: 'alphabetic', lineHeightFactor: 1.32 });
    }
    doc.setFillColor(...CHANNEL_COLOR[u.channel]);
    // Full row height, so the bar runs unbroken through one speaker's consecutive units.
    doc.rect(COL.text - 2, top, 0.7, height, 'F');
    applyStyle(doc, { size: TEXT_SIZE });
    doc.text(text, COL.text, baseline, { baseline: 'alphabetic', lineHeightFactor: 1.32 });
    if (code) drawTag(cursor, tag, baseline, code === 'no valid code');
    cursor.y = top + height;
    previous = u;
  }
  cursor.gap(3);
}

function drawColumnHeader(cursor: PdfCursor, coded: boolean): void {
  const { doc } = cursor;
  applyStyle(doc, { size: 7, bold: true, color: COLOR.muted });
  const y = cursor.y;
  doc.text('UNIT', COL.id, y, { baseline: 'top' });
  doc.text('TIME', COL.time, y, { baseline: 'top' });
  doc.text('SPEAKER', COL.speaker, y, { baseline: 'top' });
  doc.text('WORDS', COL.text, y, { baseline: 'top' });
  if (coded) doc.text('CODE', PAGE.marginX + CONTENT_WIDTH - TAG_WIDTH, y, { baseline: 'top' });
  cursor.y += lineHeight(7) + 0.6;
  doc.setDrawColor(...COLOR.accent);
  doc.setLineWidth(0.3);
  doc.line(PAGE.marginX, cursor.y, PAGE.marginX + CONTENT_WIDTH, cursor.y);
  cursor.y += 0.4;
}

/** The code as a small tag whose first line sits on the row's baseline. */
function drawTag(cursor: PdfCursor, lines: string[], baseline: number, missing: boolean): void {
  const { doc } = cursor;
  const x = PAGE.marginX + CONTENT_WIDTH - TAG_WIDTH;
  applyStyle(doc, { size: TAG_SIZE });
  const w = Math.max(...lines.map((l) => doc.getTextWidth(l))) + 2.4;
  const h = lines.length * lineHeight(TAG_SIZE) + 1;
  const y = baseline - ascent(TAG_SIZE) - 0.5;
  if (missing) {
    doc.setDrawColor(...COLOR.warning);
    doc.setLineWidth(0.25);
    doc.roundedRect(x, y, w, h, 0.8, 0.8, 'S');
  } else {
    doc.setFillColor(...COLOR.tagFill);
    doc.roundedRect(x, y, w, h, 0.8, 0.8, 'F');
  }
  applyStyle(doc, { size: TAG_SIZE, color: missing ? COLOR.warning : COLOR.text });
  lines.forEach((l, i) => doc.text(l, x + 1.2, baseline + i * lineHeight(TAG_SIZE), { baseline: 'alphabetic' }));
}

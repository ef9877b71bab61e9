import type { ScoredItem } from '../../../app/rubric/analysis';
import type { ReportModel } from '../../../app/report/report-model';
import { drawCitedUnit, layoutCitedUnit } from './cited-unit';
import { applyStyle, COLOR, CONTENT_WIDTH, lineHeight, PAGE, type PdfCursor } from './pdf-layout';
import { drawScale, SCALE_LARGE, scaleWidth, scoreText } from './score-scale';
import type { UnitLinks } from './unit-links';
import { drawWarningBox } from './warning-box';

export const RUBRIC_TITLE = 'Rubric items';
const TITLE_SIZE = 11;
const RATIONALE_SIZE = 9.5;
const UNIT_X = PAGE.marginX + 2;

/** Every rubric item: score on its scale, the rubric's label, the rationale and the cited units. */
export function drawRubricSection(cursor: PdfCursor, model: ReportModel, links: UnitLinks): void {
  cursor.heading(RUBRIC_TITLE, { keepWith: 45 });
  const fromCodes = model.analysis.sections.some((s) => s.status === 'scored' && s.items.some((i) => i.scoreBasis));
  const setAside = model.analysis.sections.some((s) => s.status === 'scored' && s.items.some((i) => i.scoreBasis?.reasonSetAside));
  const reasons = setAside
    ? 'the language model wrote each reason except where the item says its reason was set aside (it was not about the cited units), and there the codes are listed instead'
    : 'the language model wrote every reason';
  cursor.paragraph(
    fromCodes
      ? `Scored against “${model.rubric.title}” (version ${model.rubric.version}): items that name behaviour codes are scored from the codes of the clinician’s units (the rule and counts are under the score), the others by the language model. For code-scored items the cited units are picked from the coded ones; ${reasons}. Each score is followed by the units cited for it, as the transcript has them.`
      : `Scored by the language model against “${model.rubric.title}” (version ${model.rubric.version}). Each score is followed by the units the model cited for it, as the transcript has them.`,
    { size: 8.5, color: COLOR.muted },
    { after: 4 },
  );
  if (model.analysis.sections.length === 0) cursor.paragraph('This rubric has no scored items.', { size: 9, color: COLOR.muted });
  for (const section of model.analysis.sections) {
    if (section.status === 'failed') {
      cursor.band(section.title, 30);
      cursor.gap(3);
      drawWarningBox(cursor, 'Analysis failed for this section', [`Reason: ${section.reason}`, `Not scored: ${section.items.map((i) => i.title).join(', ')}.`]);
      cursor.gap(3);
      continue;
    }
    const first = section.items[0];
    // What the first item's drawItem ensures (its head + 4 mm), plus the gap after the band: less left a band alone at a page foot.
    cursor.band(section.title, (first ? itemHeadHeight(cursor, first) + 4 : 10) + 3);
    cursor.gap(3);
    section.items.forEach((item, i) => {
      drawItem(cursor, model, links, item);
      if (i < section.items.length - 1) {
        cursor.gap(1.5);
        if (cursor.remaining() > 12) cursor.rule();
        cursor.gap(4);
      }
    });
    cursor.gap(6);
  }
}

function titleWidth(item: ScoredItem): number {
  return CONTENT_WIDTH - scaleWidth(item, SCALE_LARGE) - 20;
}

/** Title, label and the first lines of the rationale: what must stay together on a page. */
function itemHeadHeight(cursor: PdfCursor, item: ScoredItem): number {
  const title = cursor.lines(item.title, titleWidth(item), { size: TITLE_SIZE, bold: true });
  const rationale = cursor.lines(item.rationale, CONTENT_WIDTH, { size: RATIONALE_SIZE });
  const label = item.scoreLabel ? cursor.lines(item.scoreLabel, CONTENT_WIDTH, { size: 9 }).length : 0;
  return title.length * lineHeight(TITLE_SIZE) + label * lineHeight(9) + 2 + Math.min(rationale.length, 3) * lineHeight(RATIONALE_SIZE);
}

function drawItem(cursor: PdfCursor, model: ReportModel, links: UnitLinks, item: ScoredItem): void {
  const { doc } = cursor;
  const titleStyle = { size: TITLE_SIZE, bold: true };
  const titleLines = cursor.lines(item.title, titleWidth(item), titleStyle);
  cursor.ensure(itemHeadHeight(cursor, item) + 4);

  const top = cursor.y;
  applyStyle(doc, titleStyle);
  for (const line of titleLines) {
    doc.text(line, PAGE.marginX, cursor.y, { baseline: 'top' });
    cursor.y += lineHeight(TITLE_SIZE);
  }
  const right = PAGE.marginX + CONTENT_WIDTH;
  applyStyle(doc, { size: 11, bold: true });
  const score = scoreText(item);
  const scoreWidth = doc.getTextWidth(score);
  doc.text(score, right, top, { baseline: 'top', align: 'right' });
  drawScale(doc, right - scoreWidth - 3 - scaleWidth(item, SCALE_LARGE), top + 0.2, item, SCALE_LARGE);

  if (item.scoreLabel) cursor.paragraph(item.scoreLabel, { size: 9, color: COLOR.accent });
  if (item.scoreBasis) {
    const who = item.scoreBasis.notShown
      ? 'No unit to cite, so no model was asked.'
      : item.scoreBasis.reasonSetAside
        ? 'The units cited are chosen from those codes; the language model’s reason was set aside.'
        : 'The units cited are chosen from those codes; the language model wrote the reason.';
    cursor.paragraph(`Score from the behaviour codes: ${item.scoreBasis.explanation}. ${who}`, { size: 8, color: COLOR.muted });
  }
  cursor.gap(1.5);
  if (item.rationale.trim()) cursor.paragraph(item.rationale, { size: RATIONALE_SIZE }, { after: 2 });

  if (item.citations.length === 0) {
    if (item.scoreBasis?.notShown) return;
    cursor.paragraph('No cited unit supports this score: none of the units the model cited exists under the right speaker. Treat the score with caution.', { size: 9, color: COLOR.warning }, { after: 1 });
    return;
  }
  const units = item.citations.map((u) => layoutCitedUnit(cursor, model, u, UNIT_X));
  cursor.ensure(lineHeight(7) + 1 + units[0]!.height);
  applyStyle(doc, { size: 7, bold: true, color: COLOR.muted });
  doc.text(item.citations.some((u) => u.channel !== 0) ? 'CITED UNITS (INCLUDING THE PATIENT’S WORDS)' : 'CITED UNITS', UNIT_X, cursor.y, { baseline: 'top', charSpace: 0.3 });
  cursor.y += lineHeight(7) + 0.8;
  for (const u of units) drawCitedUnit(cursor, u, UNIT_X, links);
}

import { autoTable } from 'jspdf-autotable';
import type { ReportModel } from '../../../app/report/report-model';
import { COLOR, lastTableEnd, type PdfCursor, tableStyle } from './pdf-layout';
import { plural } from './report-format';

export const METHOD_TITLE = 'How this report was produced';

/** Plain sentences on how the analysis works, with this session's figures. */
export function methodSentences(model: ReportModel): string[] {
  const a = model.analysis;
  const c = a.stats.citations;
  const rejected = c.unknownUnit + c.wrongSpeaker;
  const cited =
    rejected === 0
      ? `all ${plural(c.cited, 'cited id was', 'cited ids were')} accepted`
      : `of ${plural(c.cited, 'cited id', 'cited ids')}, ${c.accepted} ${c.accepted === 1 ? 'was' : 'were'} accepted and ${rejected} rejected as not in the transcript or of the wrong speaker; rejected ids are not shown`;
  const sentences = [
    `The two audio channels (one per person) were transcribed by ${model.engine.stt} and split into ${plural(a.units.length, 'numbered unit', 'numbered units')}, each one sentence or short utterance of one speaker, as listed in the transcript.`,
  ];
  let scorer = `The language model ${model.engine.llm}`;
  if (a.coding !== null) {
    const coder = a.coding.coder;
    const sameModel = coder.kind === 'llm' && coder.name === a.model;
    sentences.push(`${coder.kind === 'llm' ? `The language model ${coder.name}` : `A trained classifier (${coder.name})`} gave every clinician unit one behaviour code automatically; the indicators are calculated from the code counts.`);
    if (sameModel) scorer = 'The same model';
  }
  const fromCodes = a.sections.some((s) => s.status === 'scored' && s.items.some((i) => i.scoreBasis));
  const scored = fromCodes
    ? `Items that name behaviour codes were scored from those codes by the rule printed under each score, citing units chosen from the coded ones; ${scorer.charAt(0).toLowerCase()}${scorer.slice(1)} wrote their reasons, scored the other items and wrote the feedback by citing units by id`
    : `${scorer} scored each rubric item and wrote the feedback by citing units by id`;
  sentences.push(
    `${scored}, and the report shows only those units' own words (${cited}).`,
    `Answers that were repetitive, empty or copied from the instructions were asked for again once (${plural(a.stats.retries, 'retry', 'retries')} in ${plural(a.stats.calls, 'model call', 'model calls')}) and, if still unusable, are shown as “analysis failed” with the reason${fromCodes ? ' (a code-scored item keeps its score and units, and says why its reason is missing)' : ''}.`,
    'A suggestion of the model that is about nothing said in the moments it cites, or just before them, is left out and listed as left out.',
    ...(a.coding?.status === 'coded' && (a.coding.practice ?? []).length > 0
      ? ['The suggestions “from the behaviour counts” are not the model’s: each is an indicator that missed the rubric’s target, with the rubric’s advice and the units the indicator counts.']
      : []),
    `${model.rubric.attribution} The scores are a starting point for reflection and discussion, not an assessment of competence.`,
  );
  return sentences;
}

export function drawMethodNote(cursor: PdfCursor, model: ReportModel): void {
  const { doc } = cursor;
  const a = model.analysis;
  cursor.heading(METHOD_TITLE, { keepWith: 60 });
  cursor.paragraph(methodSentences(model).join(' '), { size: 9.5 }, { after: 4 });
  cursor.gap(1);
  const c = a.stats.citations;
  const rows: [string, string][] = [
    ['Rubric', `${model.rubric.title}, version ${model.rubric.version} (${model.rubric.id})`],
    ['Speech-to-text', model.engine.stt],
    ['Language model (scores, feedback)', model.engine.llm],
    ['Behaviour coder', a.coding === null ? 'none (no code book)' : `${a.coding.coder.name} (${a.coding.coder.kind === 'llm' ? 'language model' : 'trained classifier'})`],
    ['Transcript units', `${a.units.length} (${a.units.filter((u) => u.channel === 0).length} clinician, ${a.units.filter((u) => u.channel === 1).length} patient)`],
    ['Cited unit ids', `${c.cited}: ${c.accepted} accepted, ${c.unknownUnit} not in the transcript, ${c.wrongSpeaker} of the wrong speaker`],
    ...(a.coding?.status === 'coded' ? [['Coding answers rejected', `${a.stats.codingRejected}; ${plural(a.coding.uncoded.length, 'clinician unit', 'clinician units')} left without a code`] as [string, string]] : []),
    ['Model calls', `${a.stats.calls} (${plural(a.stats.retries, 'retry', 'retries')})`],
    ['Tokens', `${a.stats.promptTokens} prompt, ${a.stats.completionTokens} completion`],
  ];
  autoTable(doc, {
    ...tableStyle(cursor.y),
    body: rows,
    // Nine short rows read as one list: split by a page break, the demo left two of them alone on a last page.
    pageBreak: 'avoid',
    styles: { ...tableStyle(0).styles, fontSize: 8.5, cellPadding: { top: 1, bottom: 1, left: 0, right: 2 } },
    columnStyles: { 0: { cellWidth: 58, textColor: [...COLOR.muted] } },
  });
  cursor.y = lastTableEnd(doc) + 6;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportModel } from '../../../app/report/report-model';
import { scoredItems, type CitedUnit, type ScoredItem } from '../../../app/rubric/analysis';
import { computeIndicators, countCodes } from '../../../app/rubric/indicators';
import { buildReportFixture, buildSampleReport, FIXTURE_FAILED_REASON, FIXTURE_UNKNOWN_UNIT } from '../testing/report-fixture';
import { collapse, inspectPdf, MM, type InspectedPdf } from '../testing/pdf-inspection';
import { sampleRubric } from '../testing/sample-analysis-fixture';
import { renderReportPdf } from './render-pdf';

const dir = mkdtempSync(path.join(tmpdir(), 'report-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function render(name: string, model: ReportModel): Promise<InspectedPdf & { rendered: number }> {
  const { pdf, pages } = await renderReportPdf(model);
  return { ...inspectPdf(path.join(dir, `${name}.pdf`), pdf), rendered: pages };
}

const ECHO = 'Echo detected: the patient’s voice leaked into the clinician’s channel (channel 0). Results may be less reliable; use a headset.';
const mmss = (sec: number) => `${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(Math.floor(sec % 60)).padStart(2, '0')}`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How a cited unit must read: `u19 [00:48] Clinician (Dr. Maya Okafor): “…”`, written out here rather than taken from the renderer. */
function citedLine(m: ReportModel, u: CitedUnit): string {
  const p = m.participants.find((x) => x.channel === u.channel)!;
  return `${u.id} [${mmss(u.start)}] ${p.roleLabel} (${p.displayName}): “${collapse(u.text)}”`;
}

/** The text from a heading (with the words that follow it, so the contents line does not match) to the next. */
function between(text: string, from: string, to: string): string {
  const a = text.indexOf(from);
  const b = text.indexOf(to, a + from.length);
  expect(a, `"${from}" in report`).toBeGreaterThanOrEqual(0);
  expect(b, `"${to}" in report`).toBeGreaterThan(a);
  return text.slice(a, b);
}

/** How an item's heading, score and reason read: the code rule sits between the label and the reason when the codes gave the score. */
function itemHead(item: ScoredItem): string {
  const who = item.scoreBasis?.notShown
    ? 'No unit to cite, so no model was asked.'
    : item.scoreBasis?.reasonSetAside
      ? 'The units cited are chosen from those codes; the language model’s reason was set aside.'
      : 'The units cited are chosen from those codes; the language model wrote the reason.';
  const basis = item.scoreBasis ? `Score from the behaviour codes: ${collapse(item.scoreBasis.explanation)}. ${who} ` : '';
  return `${item.title} ${item.score} / ${item.scaleMax} ${item.scoreLabel} ${basis}${collapse(item.rationale)}`;
}

/** The report's text without the running header and footer a page break puts inside a paragraph. */
const flowing = (text: string) => text.replace(/ Feedback Evaluation · .*? Page \d+ of \d+/g, '');

const FEEDBACK = 'Feedback Written by the language model';
const RUBRIC = 'Rubric items Scored against';
const CODING = 'Behaviour coding One clinician sentence';
const METRICS = 'Conversation metrics Measured from the timing';

describe('renderReportPdf on the sample session (motivational interviewing)', () => {
  const model = buildSampleReport({ notices: [ECHO] });
  let r: Awaited<ReturnType<typeof render>>;
  beforeAll(async () => {
    r = await render('sample', model);
  });

  it('writes a PDF that passes qpdf --check, with the page count pdfinfo reports', () => {
    expect(r.qpdfCheck.status, r.qpdfCheck.output).toBe(0);
    expect(r.qpdfCheck.output).toContain('No syntax or stream encoding errors');
    expect(r.pages).toBe(r.rendered);
    r.pageTexts.forEach((p, i) => expect(p).toContain(`Page ${i + 1} of ${r.pages}`));
  });

  it('shows on the overview the session, participants, rubric and version, date, duration, every model and the notices', () => {
    const overview = r.pageTexts[0]!;
    for (const s of [
      'Blood pressure follow-up',
      'Recorded 24 Nov 2026, 09:30 UTC',
      'Duration 2 min 59 s',
      'Clinician Dr. Maya Okafor (audio channel 0)',
      'Patient Daniel Reyes (audio channel 1)',
      'Motivational interviewing (global scores and behaviour counts), version 2.2.0',
      'Transcribed by whisper.cpp (base)',
      'Scored by qwen2.5-coder-1.5b-instruct-q4_k_m — language model, scores and feedback',
      'Coded by qwen2.5-coder-1.5b-instruct-q4_k_m — language model, automatic behaviour codes',
      ECHO,
    ]) {
      expect(overview).toContain(s);
    }
  });

  it('lists every item at a glance with its score, scale maximum and label, and every indicator with its value', () => {
    const overview = r.pageTexts[0]!;
    for (const item of scoredItems(model.analysis)) expect(overview).toContain(`${item.title} ${item.score} / ${item.scaleMax} ${item.scoreLabel}`);
    expect(overview).toContain('Reflections per question 0.71 target 1 or more; 2 or more is strong');
    expect(overview).toContain('% complex reflections 60 %');
  });

  it('puts the right page numbers in the contents line', () => {
    const contents = /Contents: (.*?) Page 1 of/.exec(r.pageTexts[0]!)![1]!;
    const entries = [...contents.matchAll(/([A-Z][^·]*?) p\. (\d+)/g)].map((m) => [m[1]!.trim(), Number(m[2])] as const);
    expect(entries.map((e) => e[0])).toEqual(['Feedback', 'Rubric items', 'Behaviour coding', 'Conversation metrics', 'Transcript', 'How this report was produced']);
    for (const [title, page] of entries) expect(r.pageTexts[page - 1], title).toMatch(new RegExp(`(^|Recorded 24 Nov 2026, 09:30 UTC |\\. |” )${escape(title)} `));
  });

  it('shows the summary, each strength and each suggestion with the moments they rest on: id, time, role, name and the unit’s words', () => {
    const n = model.analysis.narrative;
    if (n.status !== 'written') throw new Error('fixture narrative failed');
    const feedback = between(r.text, FEEDBACK, RUBRIC);
    for (const s of [n.summary, ...n.strengths, ...n.suggestions]) {
      expect(feedback).toContain(collapse(s.text));
      expect(s.citations.length).toBeGreaterThan(0);
      const at = feedback.indexOf(collapse(s.text));
      let from = at;
      for (const u of s.citations) {
        const line = citedLine(model, u);
        const found = feedback.indexOf(line, from);
        expect(found, line).toBeGreaterThan(at);
        from = found + line.length;
      }
    }
    // A suggestion that rests on the patient's words shows them as the patient's.
    expect(feedback).toContain('u21 [00:55] Patient (Daniel Reyes): “I know what I should do, I just can\'t seem to fit it in.”');
  });

  it('shows the suggestions from the behaviour counts after the model’s, each with its value, target, advice and moments, said to be computed', () => {
    const coding = model.analysis.coding;
    if (coding?.status !== 'coded') throw new Error('fixture coding failed');
    const practice = coding.practice ?? [];
    expect(practice.map((p) => p.indicatorId)).toEqual(['reflection_to_question']);
    const feedback = flowing(between(r.text, FEEDBACK, RUBRIC));
    const at = feedback.indexOf('From the behaviour counts Computed from the behaviour codes, not written by the model');
    expect(at).toBeGreaterThan(feedback.indexOf('Suggestions'));
    const text = collapse(practice[0]!.text);
    expect(text).toContain('Reflections per question: 0.71 (target: 1 or more; 2 or more is strong).');
    let from = feedback.indexOf(text, at);
    expect(from).toBeGreaterThan(at);
    for (const u of practice[0]!.citations) {
      const found = feedback.indexOf(citedLine(model, u), from);
      expect(found, citedLine(model, u)).toBeGreaterThan(from);
      from = found;
    }
  });

  it('shows every rubric item with its score, label, rationale and each cited unit', () => {
    const items = between(flowing(r.text), RUBRIC, CODING);
    // The sample has an item whose model reason was set aside: its basis line must not claim the model wrote it.
    const setAside = scoredItems(model.analysis).find((i) => i.scoreBasis?.reasonSetAside);
    expect(setAside?.rationale).toMatch(/^Coded in the conversation: showing it, .*×\d.*set aside/);
    expect(items).not.toContain(`${collapse(setAside!.scoreBasis!.explanation)}. The units cited are chosen from those codes; the language model wrote the reason.`);
    expect(items).not.toContain('the language model wrote every reason');
    expect(items).toContain('except where the item says its reason was set aside');
    for (const item of scoredItems(model.analysis)) {
      const head = `${itemHead(item)} CITED UNITS`;
      expect(items).toContain(head);
      let from = items.indexOf(head);
      for (const u of item.citations) {
        const found = items.indexOf(citedLine(model, u), from);
        expect(found, `${item.title}: ${u.id}`).toBeGreaterThan(from);
        from = found;
      }
    }
  });

  it('never shows a rejected id, only their count in the method note', () => {
    const partnership = scoredItems(model.analysis).find((i) => i.itemId === 'partnership')!;
    const rejected = partnership.rejected[0]!.unitId;
    const items = between(r.text, RUBRIC, CODING);
    expect(items).not.toContain(`${rejected} [`);
    expect(items).not.toContain('rejected');
    const method = r.text.slice(r.text.lastIndexOf('How this report was produced'));
    expect(method).toContain('of 21 cited ids, 20 were accepted and 1 rejected as not in the transcript or of the wrong speaker; rejected ids are not shown');
    expect(method).toContain('Cited unit ids 21: 20 accepted, 0 not in the transcript, 1 of the wrong speaker');
  });

  it('shows every code with its count (zeros included) and short definition, who coded, and each indicator with its formula, numbers and target', () => {
    const coding = between(r.text, CODING, METRICS);
    expect(coding).toContain('The codes were assigned automatically by the language model qwen2.5-coder-1.5b-instruct-q4_k_m and have not been checked by a person');
    expect(coding).toContain('29 clinician units were coded.');
    if (model.analysis.coding?.status !== 'coded') throw new Error('not coded');
    for (const c of model.analysis.coding.counts) expect(coding).toContain(`${c.title} ${c.count} `);
    expect(coding).toContain('Emphasising autonomy 0 Says plainly that the choice, control or responsibility belongs to the patient (\'It\'s your decision\', \'You know your life best\').');
    expect(coding).toContain('Confront 0 Disagrees with');
    expect(coding).toContain('Reflections per question 0.71 (simple reflections + complex reflections) ÷ (open questions + closed questions) = 5 ÷ 7 = 0.71 1 or more; 2 or more is strong');
    expect(coding).toContain('% complex reflections 60 % complex reflections ÷ all reflections × 100 = 3 ÷ 5 × 100 = 60 % 40 % or more; 50 % or more is strong');
    expect(coding).toContain('MI-adherent statements 4 affirm + seeking collaboration + emphasising autonomy = 2 + 2 + 0 = 4 more than non-adherent');
  });

  it('keeps the metrics page and says its question counts are by wording', () => {
    const metrics = between(r.text, METRICS, 'Transcript 58 units');
    expect(metrics).toContain(`Words ${model.metrics.speakers[0].words} ${model.metrics.speakers[1].words}`);
    expect(metrics).toContain('Open questions (by wording)');
    expect(metrics).toContain('the behaviour coding codes each clinician unit in context');
  });

  it('lists every transcript unit in order with its id, time, speaker, words and the clinician units’ codes', () => {
    const transcript = r.text.slice(r.text.indexOf('Transcript 58 units'));
    expect(transcript).toContain('58 units in time order (u1–u58)');
    if (model.analysis.coding?.status !== 'coded') throw new Error('not coded');
    const title = new Map(model.analysis.coding.counts.map((c) => [c.codeId, c.title]));
    const code = new Map(model.analysis.coding.codes.map((c) => [c.unitId, title.get(c.code)!]));
    let from = 0;
    for (const u of model.analysis.units) {
      const role = u.channel === 0 ? 'Clinician' : 'Patient';
      const re = new RegExp(`${u.id} ${mmss(u.start)} (${role} )?${escape(collapse(u.text))}${u.channel === 0 ? ` ${escape(code.get(u.id)!)}` : ''}( |$)`, 'g');
      re.lastIndex = from;
      const m = re.exec(transcript);
      expect(m, `${u.id} ${u.text}`).not.toBeNull();
      from = m!.index + m![0].length - 1;
    }
  });

  it('links every cited unit id to that unit’s row in the transcript', () => {
    const words = r.words();
    const links = r.links();
    const transcriptPage = r.pageTexts.findIndex((p) => p.includes('Transcript 58 units')) + 1;
    expect(links.length).toBeGreaterThanOrEqual(20);
    for (const l of links) {
      const under = words.find((w) => w.page === l.page && w.xMin >= l.rect.xMin - 1 && w.xMax <= l.rect.xMax + 1 && w.yMin >= l.rect.yMin - 1 && w.yMax <= l.rect.yMax + 1);
      expect(under?.word, `link on page ${l.page}`).toMatch(/^u\d+$/);
      expect(l.destPage).toBeGreaterThanOrEqual(transcriptPage);
      const target = words.find((w) => w.page === l.destPage && w.word === under!.word && w.xMin < 40 * MM && w.yMin >= l.destTop && w.yMin <= l.destTop + 12 * MM);
      expect(target, `${under!.word} in the transcript on page ${l.destPage}`).toBeDefined();
    }
  });

  it('ends with the method note: units, codes, citations by id, retries, models and that the rubric is not a validated instrument', () => {
    const method = r.pageTexts.at(-1)!;
    expect(method).toContain('How this report was produced');
    expect(method).toContain('transcribed by whisper.cpp (base) and split into 58 numbered units');
    expect(method).toContain('The language model qwen2.5-coder-1.5b-instruct-q4_k_m gave every clinician unit one behaviour code automatically');
    expect(method).toContain('Items that name behaviour codes were scored from those codes by the rule printed under each score, citing units chosen from the coded ones; the same model wrote their reasons');
    expect(method).toContain('(0 retries in 6 model calls)');
    expect(method).toContain('not a validated instrument');
    expect(method).toContain('Tokens 2460 prompt, 612 completion');
  });
});

describe('renderReportPdf with failed analyses', () => {
  const model = buildSampleReport({ failSection: 'global_relational', failNarrative: true });
  let r: Awaited<ReturnType<typeof render>>;
  beforeAll(async () => {
    r = await render('failed', model);
  });
  const section = () => model.analysis.sections.find((s) => s.status === 'failed')!;

  it('shows a failed section with its reason and the items not scored, at a glance and in the rubric, and never a score for them', () => {
    const failed = section();
    if (failed.status !== 'failed') throw new Error('unreachable');
    const overview = r.pageTexts[0]!;
    expect(overview).toContain(`Global ratings: relationship Analysis failed: ${failed.reason} Not scored: Partnership, Empathy.`);
    const items = between(r.text, RUBRIC, CODING);
    const rest = items.slice(items.indexOf('Global ratings: relationship'));
    expect(rest).toContain(`Analysis failed for this section Reason: ${failed.reason} Not scored: Partnership, Empathy.`);
    expect(rest).not.toMatch(/\d \/ 5/);
    expect(r.text).not.toContain('Partnership 4 / 5');
    expect(r.text).not.toContain('Empathy 3 / 5');
    expect(r.text).not.toContain('Asked permission before sharing ideas and let the patient choose');
  });

  it('shows a failed narrative as its reason, with no summary, strengths or suggestions', () => {
    const feedback = between(r.text, 'Feedback Analysis failed', RUBRIC);
    expect(feedback).toContain('Analysis failed for the summary, strengths and suggestions Reason: the summary copied the instructions ("two sentences") instead of describing the conversation, twice');
    expect(r.pageTexts[0]).toContain('Summary, strengths and suggestions: analysis failed:');
    expect(r.text).not.toContain('Strengths');
    expect(r.text).not.toContain('Suggestions');
    expect(r.text).not.toContain('Asked permission before sharing ideas, then handed the choice back');
  });

  it('counts the retries in the method note', () => {
    expect(r.pageTexts.at(-1)).toContain('(2 retries in 8 model calls)');
  });
});

describe('renderReportPdf edge cases of the content', () => {
  it('shows an indicator without a denominator as "—" with the reason, never as 0', async () => {
    const m = buildSampleReport();
    const coding = m.analysis.coding;
    if (coding?.status !== 'coded') throw new Error('not coded');
    coding.codes = coding.codes.map((c) => (c.code.endsWith('_question') ? { ...c, code: 'other' } : c));
    const book = sampleRubric().coding!;
    coding.counts = countCodes(book, coding.codes);
    coding.indicators = computeIndicators(book, coding.counts);
    const r = await render('no-questions', m);
    expect(r.pageTexts[0]).toContain('Reflections per question — target 1 or more');
    expect(r.pageTexts[0]).toContain('% open questions — target');
    const section = between(r.text, CODING, METRICS);
    expect(section).toContain('Reflections per question — (simple reflections + complex reflections) ÷ (open questions + closed questions) = 5 ÷ 0: no value, because no unit was coded open question or closed question');
    expect(section).not.toMatch(/Reflections per question 0 /);
  });

  it('marks the patient’s words when an item about both speakers cites them, and warns when an item has no cited unit', async () => {
    const m = buildReportFixture();
    const items = scoredItems(m.analysis);
    const patientUnit = m.analysis.units.find((u) => u.channel === 1)!;
    items[0]!.focus = 'both';
    items[0]!.citations = [...items[0]!.citations, patientUnit];
    const r = await render('patient-cited', m);
    const rubric = between(r.text, RUBRIC, CODING);
    expect(rubric).toContain(`CITED UNITS (INCLUDING THE PATIENT’S WORDS)`);
    expect(rubric).toContain(citedLine(m, patientUnit));
    const closing = items.find((i) => i.title === 'Closing the session')!;
    expect(closing.citations).toEqual([]);
    expect(rubric).toContain(`${itemHead(closing)} No cited unit supports this score`);
    expect(r.pageTexts[0]).toContain(`Closing the session ${closing.score} / 5 ${closing.scoreLabel} · no cited evidence`);
    expect(rubric).toContain(`Structure and relationship Analysis failed for this section Reason: ${FIXTURE_FAILED_REASON}`);
    expect(r.text).not.toContain(FIXTURE_UNKNOWN_UNIT);
  });

  it('says which of the model’s suggestions were left out and why, when none is shown', async () => {
    const base = buildSampleReport();
    const n = base.analysis.narrative;
    if (n.status !== 'written') throw new Error('fixture narrative failed');
    const gone = { ...n.suggestions[0]!, text: 'The clinician could have asked about the weather.', why: 'it is not about anything said in the moments it cites, or just before them' };
    const m: ReportModel = { ...base, analysis: { ...base.analysis, narrative: { ...n, suggestions: [], leftOut: [gone] } } };
    const text = flowing((await render('left-out', m)).text);
    const feedback = between(text, FEEDBACK, RUBRIC);
    expect(feedback).toContain('Suggestions None of the model’s suggestions is shown (see the note below).');
    expect(feedback).toContain('Left out: 1 suggestion of the model, because it is not about anything said in the moments it cites, or just before them: “The clinician could have asked about the weather.”');
    expect(feedback).not.toContain(citedLine(m, gone.citations[0]!));
  });

  it('renders a 30-minute session: every unit in the transcript, a reasonable number of pages', async () => {
    const m = buildReportFixture({ durationSec: 30 * 60 });
    const clinicianUnits = m.analysis.units.filter((u) => u.channel === 0).length;
    expect(clinicianUnits).toBeGreaterThan(250);
    const r = await render('long', m);
    expect(r.qpdfCheck.status, r.qpdfCheck.output).toBe(0);
    // About 45 units per transcript page, plus the overview, feedback, items, coding, metrics and method pages.
    expect(r.pages).toBeGreaterThan(12);
    expect(r.pages).toBeLessThanOrEqual(Math.ceil(m.analysis.units.length / 40) + 8);
    const transcript = r.text.slice(r.text.indexOf(`Transcript ${m.analysis.units.length} units`));
    for (const u of m.analysis.units) expect(transcript).toContain(`${u.id} ${mmss(u.start)} `);
    expect(r.pageTexts.at(-1)).toContain(`Page ${r.pages} of ${r.pages}`);
  });
});

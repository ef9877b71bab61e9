import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../app/contracts/errors';
import type { ReportModel } from '../../../app/report/report-model';
import { scoredItems } from '../../../app/rubric/analysis';
import { buildReportFixture, buildSampleReport, buildStressReport } from '../testing/report-fixture';
import { collisions, inspectPdf, MM, type InspectedPdf, type WordBox } from '../testing/pdf-inspection';
import { renderReportPdf } from './render-pdf';

const dir = mkdtempSync(path.join(tmpdir(), 'report-layout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Text may not come closer to the paper edge than this (the layout margin is 18 mm). */
const MIN_EDGE_MM = 15;
/** The running footer sits below this line; body text must end above it. */
const FOOTER_TOP_MM = 297 - 17;

async function render(name: string, model: ReportModel): Promise<InspectedPdf> {
  const { pdf } = await renderReportPdf(model);
  return inspectPdf(path.join(dir, `${name}.pdf`), pdf);
}

/** Lines of text per page: words with (nearly) the same top, left to right. */
function lines(words: readonly WordBox[]): { page: number; yMin: number; yMax: number; text: string }[] {
  const out: { page: number; yMin: number; yMax: number; words: WordBox[] }[] = [];
  for (const w of [...words].sort((a, b) => a.page - b.page || a.yMin - b.yMin || a.xMin - b.xMin)) {
    const last = out[out.length - 1];
    if (last && last.page === w.page && Math.abs(last.yMin - w.yMin) < 1.5) {
      last.words.push(w);
      last.yMax = Math.max(last.yMax, w.yMax);
    } else out.push({ page: w.page, yMin: w.yMin, yMax: w.yMax, words: [w] });
  }
  return out.map((l) => ({ page: l.page, yMin: l.yMin, yMax: l.yMax, text: l.words.sort((a, b) => a.xMin - b.xMin).map((w) => w.word).join(' ') }));
}

/** Headings (section titles, group titles, item titles, table titles) that end a page's body: orphans. */
function orphanHeadings(r: InspectedPdf, headings: readonly string[]): string[] {
  const all = lines(r.words());
  const body = all.filter((l) => l.yMin > 18 * MM && l.yMax < FOOTER_TOP_MM * MM);
  const orphans: string[] = [];
  for (const h of headings) {
    for (const l of body.filter((x) => x.text === h)) {
      const below = body.filter((x) => x.page === l.page && x.yMin > l.yMax);
      if (below.length === 0) orphans.push(`p${l.page} "${h}"`);
    }
  }
  return orphans;
}

function headingsOf(m: ReportModel): string[] {
  const a = m.analysis;
  return [
    'Scores at a glance',
    'Feedback',
    'Summary',
    'Strengths',
    'Suggestions',
    'Rubric items',
    'CITED UNITS',
    'Behaviour coding',
    'Indicators computed from the counts',
    'Conversation metrics',
    'Per speaker',
    'Conversation',
    'Transcript',
    'How this report was produced',
    ...a.sections.map((s) => s.title),
    ...scoredItems(a).map((i) => i.title),
  ];
}

function outside(r: InspectedPdf): string[] {
  return r
    .words()
    .filter((b) => b.xMin < MIN_EDGE_MM * MM || b.xMax > b.pageWidth - MIN_EDGE_MM * MM || b.yMax > b.pageHeight - 8 * MM || b.yMin < 8 * MM)
    .map((b) => `p${b.page} ${b.word}`);
}

describe('report layout', () => {
  const cases: [string, () => ReportModel][] = [
    ['sample', () => buildSampleReport({ notices: ['Echo detected: use a headset.'] })],
    ['sample-failed', () => buildSampleReport({ failSection: 'global_change', failNarrative: true })],
    ['general', () => buildReportFixture()],
    ['thirty-minutes', () => buildReportFixture({ durationSec: 30 * 60 })],
    ['stress', () => buildStressReport()],
  ];
  const rendered = new Map<string, { model: ReportModel; r: InspectedPdf }>();
  beforeAll(async () => {
    for (const [name, build] of cases) {
      const model = build();
      rendered.set(name, { model, r: await render(name, model) });
    }
  });

  it.each(cases.map(([n]) => n))('%s: passes qpdf --check and keeps every word inside the page margins', (name) => {
    const { r } = rendered.get(name)!;
    expect(r.qpdfCheck.status, r.qpdfCheck.output).toBe(0);
    expect(new Set(r.words().map((b) => b.page)).size).toBe(r.pages);
    expect(outside(r)).toEqual([]);
  });

  it.each(cases.map(([n]) => n))('%s: draws no text over other text', (name) => {
    const { r } = rendered.get(name)!;
    expect(collisions(r.words()).map(([a, b]) => `p${a.page} "${a.word}" × "${b.word}"`)).toEqual([]);
  });

  it.each(cases.map(([n]) => n))('%s: never leaves a heading alone at the foot of a page', (name) => {
    const { model, r } = rendered.get(name)!;
    expect(orphanHeadings(r, headingsOf(model))).toEqual([]);
  });

  it('wraps long titles, names, labels, quotes and unbroken words instead of clipping them, and shows long scales', () => {
    const { r } = rendered.get('stress')!;
    expect(r.text).toContain('73 / 100');
    expect(r.text).toContain('7 / 10');
    expect(r.text).toContain('1:00:00'); // hour-long axes and times switch to h:mm:ss
    expect(r.text.replace(/\s/g, '')).toContain('Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(4));
    expect(r.text).toContain('No cited moment of the transcript supports this point.');
  });

  it('renders a report with no rubric items, codes, notices or speech', async () => {
    const m = buildReportFixture();
    m.transcript.segments = [];
    m.metrics.timeline = [];
    m.analysis = { ...m.analysis, units: [], sections: [], coding: null, narrative: { status: 'written', summary: { text: '', citations: [], rejected: [] }, strengths: [], suggestions: [], attempts: 1 } };
    const r = await render('empty', m);
    expect(r.qpdfCheck.status, r.qpdfCheck.output).toBe(0);
    expect(r.text).toContain('No summary was written.');
    expect(r.text).toContain('This rubric has no scored items.');
    expect(r.text).toContain('No speech was transcribed.');
    expect(r.text).not.toContain('Behaviour coding');
    expect(r.pageTexts.at(-1)).toContain(`Page ${r.pages} of ${r.pages}`);
    expect(outside(r)).toEqual([]);
  });

  it('fails with an error naming the font file when the fonts folder lacks DejaVu Sans', async () => {
    const error = await renderReportPdf(buildReportFixture(), { fontsDir: dir }).catch((e: unknown) => e);
    expect(isAppError(error)).toBe(true);
    expect((error as Error).message).toContain(path.join(dir, 'DejaVuSans.ttf'));
    expect((error as Error).message).toContain(path.join(dir, 'DejaVuSans-Bold.ttf'));
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../app/contracts/errors';
import type { ReportModel } from '../../../app/report/report-model';
import { scoredItems } from '../../../app/rubric/analysis';
import { buildReportFixture } from '../testing/report-fixture';
import { renderReportPdf } from './render-pdf';

const dir = mkdtempSync(path.join(tmpdir(), 'report-layout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MM = 72 / 25.4;
/** Text may not come closer to the paper edge than this (the layout margin is 18 mm). */
const MIN_EDGE_MM = 15;

async function writePdf(name: string, model: ReportModel): Promise<{ file: string; pages: number }> {
  const { pdf, pages } = await renderReportPdf(model);
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return { file, pages };
}

/** Every word box pdftotext finds, with its page size, in PDF points. */
function wordBoxes(file: string) {
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const boxes: { page: number; w: number; h: number; xMin: number; yMin: number; xMax: number; yMax: number; word: string }[] = [];
  let page = 0;
  let w = 0;
  let h = 0;
  for (const line of html.split('\n')) {
    const p = /<page width="([\d.]+)" height="([\d.]+)">/.exec(line);
    if (p) {
      page++;
      w = Number(p[1]);
      h = Number(p[2]);
      continue;
    }
    const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(line);
    if (m) boxes.push({ page, w, h, xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]), word: m[5]! });
  }
  return boxes;
}

function stressModel(): ReportModel {
  const unbroken = 'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(4);
  const m = buildReportFixture({
    durationSec: 62 * 60,
    title: `Annual review with a very long title that keeps going — über-detailed “quoted” naïve café notes ${unbroken}`,
    names: ['Prof. Dr. Maximiliane Schäfer-Löwenstein-Oberhausen', 'Jean-Baptiste Émile Ødegaard-Fitzgerald-Montgomery'],
    notices: Array.from({ length: 4 }, (_, i) => `Notice ${i + 1}: echo detected on channel 0 ${unbroken}; use a headset.`),
  });
  m.rubric.title = `Motivational Interviewing Treatment Integrity, adapted ${unbroken}`;
  const items = scoredItems(m.analysis);
  const first = items[0]!;
  first.title = `An extremely long rubric item title that must wrap beside its badge ${unbroken}`;
  first.rationale = Array.from({ length: 60 }, () => 'The rationale goes on at length so that it has to continue on the next page.').join(' ');
  first.scaleMin = 0;
  first.scaleMax = 100;
  first.score = 73;
  items[1]!.scaleMin = 0;
  items[1]!.scaleMax = 10;
  items[1]!.score = 7;
  // The hour-long axis is what matters here, not 60 pages of transcript.
  m.transcript.segments = m.transcript.segments.slice(0, 40);
  const seg = m.transcript.segments[3]!;
  seg.text = `${seg.text} ${unbroken} ${'and then it went on and on '.repeat(40)}`;
  first.citations[0] = { ...first.citations[0]!, text: `${'a very long cited unit '.repeat(30)}${unbroken}` };
  if (m.analysis.narrative.status === 'written') m.analysis.narrative.strengths.push({ text: unbroken, citations: [], rejected: [] });
  return m;
}

describe('report layout', () => {
  it('keeps every word inside the page margins with long names, titles, unbroken words and a one-hour session', async () => {
    const { file, pages } = await writePdf('stress', stressModel());
    const check = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
    expect(check.status, check.stdout).toBe(0);
    const boxes = wordBoxes(file);
    expect(new Set(boxes.map((b) => b.page)).size).toBe(pages);
    const outside = boxes.filter((b) => b.xMin < MIN_EDGE_MM * MM || b.xMax > b.w - MIN_EDGE_MM * MM || b.yMax > b.h - 8 * MM);
    expect(outside.map((b) => `p${b.page} ${b.word}`)).toEqual([]);
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('1:00:00'); // hour-long axes and times switch to h:mm:ss
    expect(text).toContain('73 / 100');
  });

  it('renders a report with no rubric items, codes, notices or speech', async () => {
    const m = buildReportFixture();
    m.transcript.segments = [];
    m.metrics.timeline = [];
    m.analysis = { ...m.analysis, units: [], sections: [], coding: null, narrative: { status: 'written', summary: { text: '', citations: [], rejected: [] }, strengths: [], suggestions: [], attempts: 1 } };
    const { file, pages } = await writePdf('empty', m);
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);
    expect(pages).toBe(4);
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('0 segments');
    expect(text).toContain('Page 4 of 4');
  });

  it('fails with an error naming the font file when the fonts folder lacks DejaVu Sans', async () => {
    const error = await renderReportPdf(buildReportFixture(), { fontsDir: dir }).catch((e: unknown) => e);
    expect(isAppError(error)).toBe(true);
    expect((error as Error).message).toContain(path.join(dir, 'DejaVuSans.ttf'));
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportModel } from '../../../app/report/report-model';
import { scoredItems } from '../../../app/rubric/analysis';
import { buildReportFixture, FIXTURE_FAILED_REASON, FIXTURE_UNKNOWN_UNIT } from '../testing/report-fixture';
import { renderReportPdf } from './render-pdf';
import { formatTimeRange } from './report-format';

const dir = mkdtempSync(path.join(tmpdir(), 'report-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Rendered {
  file: string;
  pages: number;
  /** pdftotext -raw (drawing order), one string per page, whitespace collapsed. */
  pageTexts: string[];
  text: string;
}

async function render(name: string, model: ReportModel): Promise<Rendered> {
  const { pdf, pages } = await renderReportPdf(model);
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const raw = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  const pageTexts = raw.split('\f').filter((p) => p.trim()).map(collapse);
  return { file, pages, pageTexts, text: pageTexts.join(' ') };
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The text between two headings that each occur once in the report. */
function between(text: string, from: string, to: string): string {
  const a = text.indexOf(from);
  const b = text.indexOf(to, a + from.length);
  expect(a, `"${from}" in report`).toBeGreaterThanOrEqual(0);
  expect(b, `"${to}" in report`).toBeGreaterThan(a);
  return text.slice(a, b);
}

function transcriptText(r: Rendered): string {
  const start = r.pageTexts.findIndex((p) => p.includes('Times are from the start of the recording.'));
  expect(start).toBeGreaterThan(0);
  return r.pageTexts.slice(start).join(' ');
}

describe('renderReportPdf', () => {
  const model = buildReportFixture({ notices: ['Echo detected: the other party’s voice leaked into channel 0. Use a headset.'] });
  const long = buildReportFixture({ durationSec: 31 * 60 });
  let short: Rendered;
  let longR: Rendered;

  beforeAll(async () => {
    short = await render('short', model);
    longR = await render('long', long);
  });

  it('writes a PDF that passes qpdf --check and whose page count matches pdfinfo', () => {
    for (const r of [short, longR]) {
      const check = spawnSync('qpdf', ['--check', r.file], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain('No syntax or stream encoding errors');
      const info = execFileSync('pdfinfo', [r.file], { encoding: 'utf8' });
      expect(info).toMatch(new RegExp(`Pages:\\s+${r.pages}\\n`));
    }
  });

  it('shows the session, both participants with roles, the rubric, engines and notices on the cover', () => {
    const cover = short.pageTexts[0]!;
    expect(cover).toContain(model.session.title);
    expect(cover).toContain('Dr. Jonas Müller');
    expect(cover).toContain('Amélie Laurent');
    expect(cover).toContain('Clinician · audio channel 0');
    expect(cover).toContain('Patient · audio channel 1');
    expect(cover).toContain('24 Nov 2026, 09:30 UTC');
    expect(cover).toContain('3 min 00 s');
    expect(cover).toContain('Clinical communication (general) (version 2.0.0)');
    expect(cover).toContain(model.engine.stt);
    expect(cover).toContain(model.engine.llm);
    expect(cover).toContain('Echo detected: the other party’s voice leaked into channel 0. Use a headset.');
    expect(cover).toContain('How to read this report'.toUpperCase());
  });

  it('numbers every page as "Page n of N"', () => {
    short.pageTexts.forEach((p, i) => expect(p).toContain(`Page ${i + 1} of ${short.pages}`));
    expect(short.pageTexts).toHaveLength(short.pages);
  });

  it('shows the per-speaker metrics and a timeline axis in mm:ss', () => {
    const page = short.pageTexts[1]!;
    expect(page).toContain('Conversation metrics');
    expect(page).toContain(`${model.metrics.speakers[0].words}`);
    expect(page).toMatch(/00:00 00:30 01:00 01:30 02:00 02:30 03:00/);
    expect(longR.pageTexts[1]).toMatch(/00:00 05:00 10:00 15:00 20:00 25:00 30:00/);
    expect(page).not.toContain('in detail');
    expect(longR.pageTexts[1]).toContain('Who spoke when, in detail 00:00–10:00');
    expect(longR.pageTexts[1]).toContain('30:00–31:00');
  });

  it('shows each rubric item with its score and each cited unit with its words, id, speaker name and time range', () => {
    const items = between(short.text, 'Rubric items', 'Behaviour coding');
    for (const item of scoredItems(model.analysis)) {
      expect(items).toContain(item.title);
      for (const u of item.citations) {
        const who = u.channel === 0 ? 'Dr. Jonas Müller (Clinician)' : 'Amélie Laurent (Patient)';
        expect(items).toContain(`“${u.text}” ${u.id} · ${who} · ${formatTimeRange(u.start, u.end)}`);
      }
    }
    expect(items).toContain('Opening and agreeing the purpose VERIFIED Score 4 / 5');
  });

  it('marks the item without accepted citations UNVERIFIED and reports rejected ids only as a count', () => {
    const items = between(short.text, 'Rubric items', 'Behaviour coding');
    expect(items).toContain('Closing the session UNVERIFIED');
    expect(items.match(/UNVERIFIED/g)).toHaveLength(1);
    expect(items).toContain('2 further citations did not match the transcript and were rejected.');
    expect(items).toContain('1 further citation named no unit of the transcript and was rejected.');
    expect(short.text).not.toContain(FIXTURE_UNKNOWN_UNIT);
  });

  it('shows a failed section with its reason and no scores or feedback of it', () => {
    const items = between(short.text, 'Rubric items', 'Behaviour coding');
    expect(items).toContain(`Structure and relationship Analysis failed for this section: ${FIXTURE_FAILED_REASON}`);
    expect(items).toContain('Not scored: Keeping the conversation organised, Building the relationship.');
    expect(items).not.toContain('Keeping the conversation organised VERIFIED');
  });

  it('shows the code counts with definitions and the indicators with value, target and formula', () => {
    const section = between(short.text, 'Behaviour coding', 'Transcript');
    expect(section).toMatch(/Open question 6 A question that leaves room/);
    expect(section).toMatch(/Jargon 0 Gives information using medical/);
    expect(section).toContain('% open questions 67 % about half or more in history taking open questions ÷ all questions × 100');
    expect(section).toContain('% information in plain words 100 % 90 % or more');
  });

  it('lists every transcript segment in time order with its time and speaker', () => {
    const transcript = transcriptText(short);
    let from = 0;
    for (const s of model.transcript.segments) {
      const who = s.channel === 0 ? 'Dr. Jonas Müller' : 'Amélie Laurent';
      const mm = String(Math.floor(s.start / 60)).padStart(2, '0');
      const ss = String(Math.floor(s.start % 60)).padStart(2, '0');
      const row = `${mm}:${ss} ${who} ${collapse(s.text)}`;
      const at = transcript.indexOf(row, from);
      expect(at, row).toBeGreaterThanOrEqual(from);
      from = at + row.length;
    }
  });

  it('keeps Unicode text (é, ü, —, curly quotes) extractable', () => {
    expect(short.text).toContain('My manager calls it “agile”, but really it just means constant deadlines.');
    expect(short.text).toContain('That hurt — I don’t want to be that parent.');
    expect(short.text).toContain('since I started the new job at the café.');
  });

  it('grows with a 30-minute transcript and renders all of it', () => {
    expect(longR.pages).toBeGreaterThan(short.pages + 8);
    const transcript = transcriptText(longR);
    const last = long.transcript.segments.at(-1)!;
    expect(last.start).toBeGreaterThan(30 * 60);
    expect(transcript).toContain(`30:${String(Math.floor(last.start % 60)).padStart(2, '0')} `);
    expect(longR.pageTexts.at(-1)).toContain(`Page ${longR.pages} of ${longR.pages}`);
  });
});

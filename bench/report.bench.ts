// `npx tsx bench/report.bench.ts`: how long the PDF report takes to render, how many pages it has
// and how much heap it needs, for the sample session (3 min) and synthetic 30- and 60-minute
// sessions. Writes bench/results/report.json. Run on a quiet machine; no thresholds here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { ReportModel } from '../app/report/report-model';
import { repoRoot } from '../backend/src/paths';
import { renderReportPdf } from '../backend/src/report/render-pdf';
import { buildReportFixture, buildSampleReport } from '../backend/src/testing/report-fixture';

const RUNS = 5;
const cases: [string, () => ReportModel][] = [
  ['sample-3min', () => buildSampleReport()],
  ['synthetic-30min', () => buildReportFixture({ durationSec: 30 * 60 })],
  ['synthetic-60min', () => buildReportFixture({ durationSec: 60 * 60 })],
];

await renderReportPdf(buildSampleReport()); // fonts read and code warmed once
const results = [];
for (const [name, build] of cases) {
  const model = build();
  const times: number[] = [];
  let pages = 0;
  let bytes = 0;
  let heapPeakMb = 0;
  for (let i = 0; i < RUNS; i++) {
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const r = await renderReportPdf(model);
    times.push(performance.now() - t0);
    heapPeakMb = Math.max(heapPeakMb, (process.memoryUsage().heapUsed - before) / 2 ** 20);
    pages = r.pages;
    bytes = r.pdf.length;
  }
  times.sort((a, b) => a - b);
  const units = model.analysis.units;
  const row = {
    name,
    durationSec: model.session.durationSec,
    units: units.length,
    clinicianUnits: units.filter((u) => u.channel === 0).length,
    pages,
    bytes,
    runs: RUNS,
    minMs: Math.round(times[0]!),
    medianMs: Math.round(times[Math.floor(RUNS / 2)]!),
    maxMs: Math.round(times.at(-1)!),
    heapGrowthMb: Math.round(heapPeakMb),
  };
  console.log(`${name}: ${row.pages} pages, ${row.units} units, median ${row.medianMs} ms (min ${row.minMs}, max ${row.maxMs}), ${(bytes / 1024).toFixed(0)} KiB`);
  results.push(row);
}

const out = { measuredAt: new Date().toISOString(), loadAverage1m: +loadavg()[0]!.toFixed(2), node: process.version, results };
const file = path.join(repoRoot, 'bench', 'results', 'report.json');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${path.relative(repoRoot, file)} (load average ${out.loadAverage1m})`);

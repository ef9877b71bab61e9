// `npx tsx bench/redaction.bench.ts`: span-level precision and recall of app/redaction on the
// labelled set (resources/redaction/labelled-spans.jsonl), and how long redaction takes for a
// transcript-sized prompt. Writes bench/results/redaction.json. Thresholds live in the test
// (app/redaction/labelled-set.test.ts); here figures are only measured.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, resourcesDir } from '../backend/src/paths';
import { evaluateRedaction, formatEvaluation, parseLabelledSet } from '../app/redaction/evaluation';
import { redact } from '../app/redaction/redaction';

const lines = parseLabelledSet(readFileSync(path.join(resourcesDir, 'redaction', 'labelled-spans.jsonl'), 'utf8'));
const evaluation = evaluateRedaction(lines);
console.log(formatEvaluation(evaluation));

// A 30-minute consultation transcribes to roughly 25–30 k characters: the set's lines repeated to that size.
const participants = [{ name: 'Daniel Okafor', channel: 0 as const }, { name: 'Maria Lopez', channel: 1 as const }];
const corpus = lines.map((l) => l.text).join('\n');
const transcript = Array.from({ length: Math.ceil(30_000 / corpus.length) }, () => corpus).join('\n').slice(0, 30_000);
for (let i = 0; i < 5; i++) redact(transcript, { participants });
const runs: number[] = [];
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  redact(transcript, { participants });
  runs.push(performance.now() - t0);
}
runs.sort((a, b) => a - b);
const at = (q: number) => runs[Math.min(runs.length - 1, Math.floor(q * runs.length))]!;
const timing = { chars: transcript.length, runs: runs.length, minMs: +runs[0]!.toFixed(2), p50Ms: +at(0.5).toFixed(2), p90Ms: +at(0.9).toFixed(2) };
console.log(`redact() of ${timing.chars} chars: min ${timing.minMs} ms, p50 ${timing.p50Ms} ms, p90 ${timing.p90Ms} ms`);

const out = {
  measuredAt: new Date().toISOString(),
  set: { lines: lines.length, spans: lines.reduce((n, l) => n + l.spans.length, 0) },
  matching: 'same kind and character overlap >= 50 % of the longer span, one-to-one',
  perKind: evaluation.perKind,
  overall: evaluation.overall,
  missed: evaluation.missed.map((m) => ({ kind: m.kind, value: m.value })),
  spurious: evaluation.spurious.map((m) => ({ kind: m.kind, value: m.value })),
  timing,
};
const file = path.join(repoRoot, 'bench', 'results', 'redaction.json');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${path.relative(repoRoot, file)}`);

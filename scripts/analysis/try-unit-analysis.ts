/**
 * Runs the unit-id analysis (runAnalysis with the LLM coder) on scripted conversations with the
 * embedded model, without speech-to-text, to judge prompts on more than one sample:
 *
 *   flock /work/scratch/heavy.lock npx tsx scripts/analysis/try-unit-analysis.ts [--rubric <id>] sample asthma-review/good asthma-review/poor …
 *
 * Prints every call's prompt and generation time (the KV-cache reuse shows as a short prompt
 * time after the first call) and the scores, rationales and narrative; writes each analysis to
 * <out>/<name>.json (default /tmp/unit-analysis).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRubric } from '../../app/rubric/parse-rubric';
import { scoredItems, type VerifiedAnalysis } from '../../app/rubric/analysis';
import { splitIntoUnits, type TranscriptUnit } from '../../app/transcript/units';
import { runAnalysis } from '../../backend/src/analysis/run-analysis';
import type { CallRecord } from '../../backend/src/analysis/llm-endpoint';
import { createLlmCoder } from '../../backend/src/coding/llm-coder';
import { loadConfig } from '../../backend/src/config';
import { embeddedLlmModel } from '../../backend/src/llm/llm-manifest';
import { startLocalLlmServer } from '../../backend/src/llm/local-llm-server';
import { resourcesDir } from '../../backend/src/paths';
import { groundTruthTranscript, transcriptFromLines, type GroundTruthLine } from '../../backend/src/testing/ground-truth-transcript';
import { contrastPairsDir } from '../evaluation-set/contrast-pairs';

const WORDS_PER_SEC = 2.6;

/** A script's lines one after another at a speaking pace, so the splitter sees turns as in a recording. */
async function scriptUnits(file: string): Promise<{ units: TranscriptUnit[]; participants: { clinician: string; patient: string } }> {
  const script = JSON.parse(await readFile(file, 'utf8')) as { participants: { channel: 0 | 1; displayName: string }[]; lines: { channel: 0 | 1; text: string }[] };
  let t = 0.6;
  const lines: GroundTruthLine[] = script.lines.map((l) => {
    const d = l.text.split(/\s+/).length / WORDS_PER_SEC;
    const line = { channel: l.channel, text: l.text, start: t, end: t + d };
    t += d + 0.7;
    return line;
  });
  const name = (ch: 0 | 1) => script.participants.find((p) => p.channel === ch)?.displayName ?? (ch === 0 ? 'Clinician' : 'Patient');
  return { units: splitIntoUnits(transcriptFromLines(lines, t + 1)), participants: { clinician: name(0), patient: name(1) } };
}

async function main() {
  const args = process.argv.slice(2);
  const rubricAt = args.indexOf('--rubric');
  const rubricId = rubricAt >= 0 ? args.splice(rubricAt, 2)[1]! : 'motivational-interviewing';
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args.splice(outAt, 2)[1]! : '/tmp/unit-analysis';
  const targets = args.length > 0 ? args : ['sample'];
  const rubric = parseRubric(JSON.parse(await readFile(path.join(resourcesDir, 'rubrics', `${rubricId}.json`), 'utf8')));
  const config = loadConfig();
  const modelPath = config.llmModelPath ?? path.join(config.derived.modelsDir, embeddedLlmModel(config.llmModel).file);
  const server = await startLocalLlmServer({ modelPath, contextSize: config.llmContextTokens, threads: config.llmThreads });
  await mkdir(out, { recursive: true });
  try {
    for (const target of targets) {
      const { units, participants } = target === 'sample' ? { units: splitIntoUnits(groundTruthTranscript()), participants: { clinician: 'Dr. Maya Okafor', patient: 'Daniel Reyes' } } : await scriptUnits(path.join(contrastPairsDir, `${target}.json`));
      const llm = { baseURL: server.baseURL, apiKey: 'local', model: server.modelId };
      const calls: CallRecord[] = [];
      const log = (c: CallRecord) => {
        calls.push(c);
        console.log(`  ${c.step.padEnd(28)} try ${c.attempt}  prompt ${c.timings?.promptN ?? c.promptTokens} tok ${Math.round(c.timings?.promptMs ?? 0)} ms  gen ${c.timings?.predictedN ?? c.completionTokens} tok ${Math.round(c.timings?.predictedMs ?? 0)} ms  wall ${c.wallMs} ms${c.refused ? `  REFUSED: ${c.refused}` : ''}`);
      };
      console.log(`\n== ${target} (${units.length} units, ${units.filter((u) => u.channel === 0).length} clinician), rubric ${rubric.id}`);
      const started = performance.now();
      const analysis = await runAnalysis({ rubric, units, llm, coder: createLlmCoder(llm, { onCall: log }), participants, onCall: log });
      console.log(`  total ${Math.round(performance.now() - started)} ms`);
      report(analysis);
      await writeFile(path.join(out, `${target.replace(/\//g, '-')}-${rubric.id}.json`), JSON.stringify({ analysis, calls }, null, 2));
    }
  } finally {
    await server.close();
  }
}

function report(a: VerifiedAnalysis) {
  if (a.coding?.status === 'coded') console.log(`  codes: ${a.coding.counts.filter((c) => c.count > 0).map((c) => `${c.codeId} ${c.count}`).join(', ')}; ${a.coding.indicators.map((i) => `${i.id}=${i.value === null ? 'n/a' : i.value.toFixed(2)}`).join(' ')}`);
  else console.log(`  coding: ${JSON.stringify(a.coding)}`);
  for (const s of a.sections) if (s.status === 'failed') console.log(`  SECTION ${s.sectionId} FAILED: ${s.reason}`);
  for (const i of scoredItems(a)) console.log(`  ${i.itemId} ${i.score}/${i.scaleMax} [${i.citations.map((c) => c.id).join(',')}] ${i.rationale}`);
  const n = a.narrative;
  if (n.status === 'failed') console.log(`  NARRATIVE FAILED: ${n.reason}`);
  else {
    console.log(`  summary: ${n.summary.text} [${n.summary.citations.map((c) => c.id).join(',')}]`);
    for (const s of n.strengths) console.log(`  + ${s.text} [${s.citations.map((c) => c.id).join(',')}]`);
    for (const s of n.suggestions) console.log(`  > ${s.text} [${s.citations.map((c) => c.id).join(',')}]`);
  }
}

await main();

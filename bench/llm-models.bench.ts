// `npm run bench:llm [-- --models a,b --threads 1,2 --contexts 16384,32768]`: speed and memory of each
// embedded chat-model candidate on a realistic call: the sample session as a numbered transcript
// (~1.5k tokens with the instructions) and a JSON-schema-constrained answer through LlamaEngine's
// grammar, then a second call on the same transcript (KV-cache prefix reuse). Each configuration runs
// in its own process, so load time and peak RSS are its own. Writes bench/results/llm-models.json.
// Needs a quiet machine: run it under a lock, and read the load averages recorded next to the figures.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../backend/src/config';
import { engineThreads, LlamaEngine } from '../backend/src/llm/llama-engine';
import { readLlmManifest } from '../backend/src/llm/llm-manifest';
import { defaultDataDir, repoRoot, resourcesDir } from '../backend/src/paths';
import { setupLlmModel } from '../scripts/setup/llm-model';

const { values } = parseArgs({ options: { models: { type: 'string' }, threads: { type: 'string' }, contexts: { type: 'string' }, child: { type: 'string' } } });

const Run = z.object({ model: z.string(), modelPath: z.string(), threads: z.number().int(), contextSize: z.number().int() });
type Run = z.infer<typeof Run>;

/** The sample session as units of one sentence of one speaker, each with its id and time. */
function numberedTranscript(): { text: string; units: number } {
  const gt = z
    .object({ lines: z.array(z.object({ channel: z.number(), text: z.string(), start: z.number() })) })
    .parse(JSON.parse(readFileSync(path.join(resourcesDir, 'sample-session', 'ground-truth.json'), 'utf8')));
  const rows: string[] = [];
  for (const line of gt.lines) {
    for (const sentence of line.text.split(/(?<=[.?!])\s+/).filter(Boolean)) {
      const t = Math.floor(line.start);
      rows.push(`[u${rows.length + 1}] ${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')} ${line.channel === 0 ? 'CLINICIAN' : 'PATIENT'}: ${sentence}`);
    }
  }
  return { text: rows.join('\n'), units: rows.length };
}

function rubricItems(): { id: string; title: string; guidance: string }[] {
  const rubric = z
    .object({ sections: z.array(z.object({ items: z.array(z.object({ id: z.string(), title: z.string(), guidance: z.string() }).passthrough()) }).passthrough()) })
    .passthrough()
    .parse(JSON.parse(readFileSync(path.join(resourcesDir, 'rubrics', 'motivational-interviewing.json'), 'utf8')));
  return rubric.sections.flatMap((s) => s.items).slice(0, 3);
}

async function child(run: Run): Promise<void> {
  const { engine, loadMs } = await LlamaEngine.load({ modelPath: run.modelPath, contextSize: run.contextSize, threads: run.threads });
  const transcript = numberedTranscript();
  const items = rubricItems();
  const system =
    'You assess how a clinician communicates in a recorded consultation, for feedback to the clinician. Base every judgement on the numbered transcript units; cite unit ids, never retype quotes. Answer with JSON only.';
  const transcriptBlock = `Transcript (${transcript.units} units; CLINICIAN is the person assessed):\n${transcript.text}`;
  const schema = {
    type: 'object',
    properties: {
      items: {
        type: 'array',
        minItems: items.length,
        maxItems: items.length,
        items: {
          type: 'object',
          properties: { itemId: { enum: items.map((i) => i.id) }, score: { enum: [1, 2, 3, 4, 5] }, unitIds: { type: 'array', items: { type: 'integer' }, maxItems: 3 }, rationale: { type: 'string', maxLength: 160 } },
        },
      },
    },
  };
  const ask = (instruction: string, maxTokens: number) =>
    engine.complete({ history: [{ type: 'system', text: system }, { type: 'user', text: `${transcriptBlock}\n\n${instruction}` }], jsonSchema: schema, maxTokens, temperature: 0, seed: 1 });
  const first = await ask(
    `Rate these items from 1 to 5, each with up to 3 unit ids as evidence and a one-sentence rationale:\n${items.map((i) => `- ${i.id} (${i.title}): ${i.guidance}`).join('\n')}`,
    400,
  );
  const second = await ask(`Rate the same items again, strictly, for a supervisor: ${items.map((i) => i.id).join(', ')}.`, 24);
  let validJson = false;
  try {
    JSON.parse(first.text);
    validJson = true;
  } catch {
    validJson = false;
  }
  const chatWrapper = engine.chatWrapperName;
  await engine.close();
  const result = {
    ...run,
    modelPath: undefined,
    chatWrapper,
    threadsUsed: engine.threads,
    loadSec: round(loadMs / 1000, 2),
    promptTokens: first.promptTokens,
    promptSec: round(first.promptMs / 1000, 2),
    promptTokPerSec: round(first.promptTokens / (first.promptMs / 1000), 1),
    completionTokens: first.completionTokens,
    generationSec: round(first.generationMs / 1000, 2),
    genTokPerSec: round(first.completionTokens / (first.generationMs / 1000), 1),
    finishReason: first.finishReason,
    answerIsJson: validJson,
    answer: first.text.slice(0, 600),
    reuse: { promptTokens: second.promptTokens, promptSec: round(second.promptMs / 1000, 2), note: 'second call, same system + transcript, new instruction: only the new tokens are evaluated' },
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function runChild(run: Run): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(run)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`run ${JSON.stringify(run)} failed (exit ${code})`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>);
    });
  });
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

async function main(): Promise<void> {
  const manifest = readLlmManifest();
  const config = loadConfig();
  const models = values.models ? values.models.split(',') : manifest.models.map((m) => m.id);
  const threads = [...new Set((values.threads ?? '1,2').split(',').map((t) => engineThreads(Number(t))))];
  const contexts = (values.contexts ?? `${config.llmContextTokens},32768`).split(',').map(Number);
  const runs: Run[] = [];
  for (const model of models) {
    const { modelPath } = await setupLlmModel({ dataDir: defaultDataDir, modelId: model, onProgress: (e) => e.step === 'done' && console.error(`[bench:llm] ${e.message}`) });
    for (const t of threads) runs.push({ model, modelPath, threads: t, contextSize: contexts[0]! });
    // The larger contexts only for the default model at the most threads: their cost is memory.
    if (model === manifest.default) for (const c of contexts.slice(1)) runs.push({ model, modelPath, threads: threads.at(-1)!, contextSize: c });
  }
  const results: Record<string, unknown>[] = [];
  const before = uptime();
  for (const run of runs) {
    const load1mBefore = round(os.loadavg()[0]!, 2);
    console.error(`[bench:llm] ${run.model} threads=${run.threads} context=${run.contextSize} (load ${load1mBefore})…`);
    const r = await runChild(run);
    results.push({ ...r, loadAverage1m: { before: load1mBefore, after: round(os.loadavg()[0]!, 2) } });
    console.error(`[bench:llm]   prompt ${String(r.promptTokPerSec)} tok/s, generation ${String(r.genTokPerSec)} tok/s, load ${String(r.loadSec)} s, peak RSS ${String(r.peakRssMb)} MB`);
    const out = {
      benchmark: 'llm-models',
      measuredAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      uptime: { before, after: uptime() },
      note: 'Each run is its own process: load = getLlama + loadModel + createContext from a warm page cache; peak RSS = the process maxRSS (model weights, KV cache of contextSize, compute buffers). Prompt = system + the sample session as a numbered transcript + 3 MI rubric items; answer = JSON constrained by the grammar of a schema (max 400 tokens), temperature 0.',
      results,
    };
    mkdirSync(path.join(repoRoot, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(repoRoot, 'bench', 'results', 'llm-models.json'), JSON.stringify(out, null, 2) + '\n');
  }
}

if (values.child) await child(Run.parse(JSON.parse(values.child)));
else await main();

// `npm run bench:evaluation [-- --parts coding,contrast,codes --coders classifier,llm --pairs a,b --rubrics id,id
//   --contrast-coder classifier|llm --limit N --merge]`: validity of the analysis (issue 9 item 6,
// docs/decisions/012). (a) Coding agreement on the TEST split of the coding set (and on the
// contrast-pair scripts' coded sentences) for the trained classifier and the LLM coder: per-code
// precision / recall / support, Cohen's κ, κ for questions. (b) For each contrast pair and rubric,
// runAnalysis on the good and the poor version and the mean normalised item scores. Writes
// bench/results/evaluation.json and the raw model answers to bench/results/evaluation-answers/.
// Runs the embedded LLM: wrap it in `flock /work/scratch/heavy.lock`. `--merge` keeps the
// figures of parts, coders, rubrics and pairs not rerun.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, setGlobalDispatcher } from 'undici';
import type { VerifiedAnalysis } from '../app/rubric/analysis';
import type { Rubric } from '../app/rubric/rubric';
import type { LlmEndpoint } from '../backend/src/analysis/llm-endpoint';
import { runAnalysis } from '../backend/src/analysis/run-analysis';
import { openClassifierCoder } from '../backend/src/coding/classifier/open-classifier-coder';
import { createLlmCoder } from '../backend/src/coding/llm-coder';
import type { UnitCoder } from '../backend/src/coding/unit-coder';
import { embeddedLlmModel, defaultLlmModelId } from '../backend/src/llm/llm-manifest';
import { startLocalLlmServer } from '../backend/src/llm/local-llm-server';
import { defaultDataDir, repoRoot } from '../backend/src/paths';
import { getRubric } from '../backend/src/rubrics/rubric-catalog';
import { agreement, QUESTION_KAPPA_DEFINITION, questionAgreement } from '../scripts/evaluation-set/agreement';
import { buildCodingConversations } from '../scripts/evaluation-set/coding-conversations';
import { CODE_SETS, loadCodingSet, type CodeSetField } from '../scripts/evaluation-set/coding-set';
import { loadContrastPairs, parseExpectedScores, VERSIONS } from '../scripts/evaluation-set/contrast-pairs';
import { comparePair, CONTRAST_TARGETS, expectedMeans } from '../scripts/evaluation-set/contrast-scores';
import { scriptUnits } from '../scripts/evaluation-set/contrast-units';
import { codeContrast, type CodeContrastEntry } from './evaluation/code-contrast';
import { startRecordingEndpoint, type RecordedCall } from './evaluation/recording-endpoint';

const { values: args } = parseArgs({
  options: {
    parts: { type: 'string', default: 'coding,codes,contrast' },
    coders: { type: 'string', default: 'classifier,llm' },
    pairs: { type: 'string' },
    rubrics: { type: 'string' },
    'contrast-coder': { type: 'string', default: 'classifier' },
    limit: { type: 'string' },
    threads: { type: 'string', default: '2' },
    merge: { type: 'boolean', default: false },
  },
});
const parts = new Set(args.parts.split(','));
const coderKinds = args.coders.split(',').filter((c): c is 'classifier' | 'llm' => c === 'classifier' || c === 'llm');
const contrastCoder = args['contrast-coder'] === 'llm' ? 'llm' : 'classifier';
const fields = (Object.keys(CODE_SETS) as CodeSetField[]).filter((f) => !args.rubrics || args.rubrics.split(',').includes(CODE_SETS[f]));
const resultsFile = path.join(repoRoot, 'bench', 'results', 'evaluation.json');
const answersDir = path.join(repoRoot, 'bench', 'results', 'evaluation-answers');
const log = (line: string) => console.error(`[bench:evaluation] ${line}`);
const seconds = (ms: number) => Math.round(ms) / 1000;

// A section call of the embedded model on a loaded 2-core machine took over 300 s, fetch's default
// headers timeout: the first contrast run failed with llm.unavailable (Headers Timeout Error).
setGlobalDispatcher(new Agent({ headersTimeout: 0, bodyTimeout: 0 }));

type Json = Record<string, unknown>;
const previous: Json = args.merge && existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Json) : {};
const rubrics = Object.fromEntries(await Promise.all(fields.map(async (f) => [f, await getRubric(CODE_SETS[f])] as const))) as Record<CodeSetField, Rubric>;

// Before the LLM: loaded after it, the embedder's expected llama.cpp batch warnings were printed unfiltered (seen in a run).
const classifier = await openClassifierCoder({ dataDir: defaultDataDir, rubricIds: fields.map((f) => CODE_SETS[f]) });
const needLlm = (parts.has('coding') && coderKinds.includes('llm')) || parts.has('contrast');
const modelEntry = embeddedLlmModel(defaultLlmModelId);
const threads = Number(args.threads);
let llm: { endpoint: LlmEndpoint; take(): RecordedCall[]; close(): Promise<void> } | undefined;
let closeServer: (() => Promise<void>) | undefined;
if (needLlm) {
  const t0 = performance.now();
  const server = await startLocalLlmServer({ modelPath: path.join(defaultDataDir, 'models', modelEntry.file), threads, contextSize: 8192 });
  closeServer = () => server.close();
  llm = await startRecordingEndpoint({ baseURL: server.baseURL, apiKey: 'local', model: server.modelId });
  log(`embedded LLM ${server.modelId} loaded in ${seconds(performance.now() - t0)} s (${threads} threads)`);
}
const coderOf = (kind: 'classifier' | 'llm'): UnitCoder => (kind === 'classifier' ? classifier : createLlmCoder(llm!.endpoint));

const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100) };
const callSummary = (calls: readonly RecordedCall[]) => ({
  calls: calls.length,
  totalSec: seconds(calls.reduce((s, c) => s + c.wallMs, 0)),
  meanSec: calls.length ? seconds(calls.reduce((s, c) => s + c.wallMs, 0) / calls.length) : null,
  maxSec: calls.length ? seconds(Math.max(...calls.map((c) => c.wallMs))) : null,
  promptTokens: calls.reduce((s, c) => s + c.promptTokens, 0),
  completionTokens: calls.reduce((s, c) => s + c.completionTokens, 0),
});
const writeAnswers = (name: string, data: unknown) => {
  const file = path.join(answersDir, `${name}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 1)}\n`);
};

// (a) coding agreement
const coding = (previous.coding ?? {}) as Json & { coders?: Record<string, Record<string, Json>> };
const contrast = (previous.contrast ?? {}) as Json & { results?: Json[] };
if (parts.has('coding')) {
  const items = await loadCodingSet();
  const test = buildCodingConversations(items, 'test');
  const limit = args.limit ? Number(args.limit) : test.length;
  const pairs = await loadContrastPairs();
  const coders = (coding.coders ??= {});
  for (const kind of coderKinds) {
    for (const field of fields) {
      const rubric = rubrics[field];
      const codes = rubric.coding!.codes.map((c) => c.id);
      const truth: string[] = [];
      const coded: (string | null)[] = [];
      const perConversation: number[] = [];
      const raw: unknown[] = [];
      const conversations = test.slice(0, limit);
      for (const [n, c] of conversations.entries()) {
        const t0 = performance.now();
        const r = await coderOf(kind).code({ units: c.units, book: rubric.coding! });
        perConversation.push(performance.now() - t0);
        const answer = r.outcome.ok ? r.outcome.answer : {};
        for (const [unitId, item] of c.labelled) {
          truth.push(item[field]);
          coded.push(answer[unitId] ?? null);
        }
        if (kind === 'llm') raw.push({ scenario: c.scenario, episode: c.episode, outcome: r.outcome, calls: llm!.take() });
        log(`coding ${kind} ${rubric.id} ${n + 1}/${conversations.length} ${c.scenario}#${c.episode}: ${c.labelled.size} units in ${seconds(perConversation.at(-1)!)} s`);
      }
      // The contrast-pair scripts' coded sentences: a second, independent test (never used in training).
      const scriptTruth: string[] = [];
      const scriptCoded: (string | null)[] = [];
      if (kind === 'classifier') {
        for (const p of pairs) {
          for (const v of VERSIONS) {
            const { units, codes: labels } = scriptUnits(p.scripts[v]);
            const r = await classifier.code({ units, book: rubric.coding! });
            const answer = r.outcome.ok ? r.outcome.answer : {};
            for (const [unitId, c] of labels) {
              scriptTruth.push(c[field]);
              scriptCoded.push(answer[unitId] ?? null);
            }
          }
        }
      }
      const calls = raw.flatMap((r) => (r as { calls: RecordedCall[] }).calls);
      if (kind === 'llm') writeAnswers(`coding-llm-${rubric.id}`, raw);
      (coders[kind] ??= {})[rubric.id] = {
        coder: coderOf(kind).info,
        conversations: conversations.length,
        testSplit: { overall: agreement(codes, truth, coded), questions: questionAgreement(truth, coded) },
        ...(scriptTruth.length ? { contrastPairSentences: { overall: agreement(codes, scriptTruth, scriptCoded), questions: questionAgreement(scriptTruth, scriptCoded) } } : {}),
        timing: { perConversationMeanSec: seconds(perConversation.reduce((a, b) => a + b, 0) / perConversation.length), totalSec: seconds(perConversation.reduce((a, b) => a + b, 0)), ...(kind === 'llm' ? { modelCalls: callSummary(calls) } : {}) },
      };
      const o = (coders[kind][rubric.id] as { testSplit: { overall: { kappa: number; accuracy: number }; questions: { kappa: number } } }).testSplit;
      log(`coding ${kind} ${rubric.id}: κ ${o.overall.kappa}, accuracy ${o.overall.accuracy}, question κ ${o.questions.kappa}`);
      writeResults();
    }
  }
  Object.assign(coding, {
    split: 'test',
    units: 'Each test scenario of bench/evaluation-set/coding.jsonl rebuilt into its exchanges (scripts/evaluation-set/coding-conversations.ts): context turns split into sentence units, each labelled utterance one clinician unit; coders see every unit and only labelled clinician units are scored.',
    contrastPairSentences: 'Clinician sentences of the 10 contrast-pair scripts with their per-sentence codes, as units from the scripts; classifier only (never used in training).',
    kappaDefinition: "Cohen's kappa over all codes of the code book, plus (uncoded) for a unit the coder gave no valid code.",
    questionKappaDefinition: QUESTION_KAPPA_DEFINITION,
  });
}

// (b) contrast pairs scored from the codes alone (no language model; bench/evaluation/code-contrast.ts)
let codeContrastResults = (previous.codeContrast as { results?: CodeContrastEntry[] } | undefined)?.results ?? [];
if (parts.has('codes')) {
  const pairs = (await loadContrastPairs()).filter((p) => !args.pairs || args.pairs.split(',').includes(p.scenario));
  const fresh = await codeContrast(pairs, rubrics, (p) => parseExpectedScores(readFileSync(path.join(p.dir, 'expected.md'), 'utf8')), classifier);
  codeContrastResults = [...codeContrastResults.filter((r) => !fresh.some((f) => f.scenario === r.scenario && f.rubricId === r.rubricId)), ...fresh].sort((a, b) => a.scenario.localeCompare(b.scenario) || a.rubricId.localeCompare(b.rubricId));
  for (const r of fresh) log(`codes ${r.scenario} ${r.rubricId}: classifier Δ ${r.classifier.difference} (hand codes ${r.handCodes.difference}, expert ${r.expected.difference}); practice good [${r.classifier.good.practice.join(', ')}] poor [${r.classifier.poor.practice.join(', ')}]`);
  writeResults();
}

// (c) contrast pairs through the whole analysis (the language model writes reasons and scores the items without a code guide)
if (parts.has('contrast')) {
  const pairs = (await loadContrastPairs()).filter((p) => !args.pairs || args.pairs.split(',').includes(p.scenario));
  const results = (contrast.results ??= []);
  for (const p of pairs) {
    const expected = parseExpectedScores(readFileSync(path.join(p.dir, 'expected.md'), 'utf8'));
    for (const field of fields) {
      const rubric = rubrics[field];
      const analyses: Partial<Record<(typeof VERSIONS)[number], VerifiedAnalysis>> = {};
      const timings: Json = {};
      for (const v of VERSIONS) {
        const script = p.scripts[v];
        const { units } = scriptUnits(script);
        const t0 = performance.now();
        const stepStart = new Map<string, number>();
        const analysis = await runAnalysis({
          rubric,
          units,
          llm: llm!.endpoint,
          coder: coderOf(contrastCoder),
          participants: { clinician: script.participants[0].displayName, patient: script.participants[1].displayName },
          idempotencyKey: `bench-${p.scenario}-${v}-${rubric.id}`,
          onProgress: (f, step) => {
            if (!stepStart.has(step)) {
              stepStart.set(step, performance.now());
              log(`contrast ${p.scenario} ${v} ${rubric.id}: ${step} (${Math.round(f * 100)} %, ${seconds(performance.now() - t0)} s)`);
            }
          },
        });
        const calls = llm!.take();
        analyses[v] = analysis;
        timings[v] = { totalSec: seconds(performance.now() - t0), modelCalls: callSummary(calls), perCall: calls.map((c) => ({ schema: c.schema, sec: seconds(c.wallMs), promptTokens: c.promptTokens, completionTokens: c.completionTokens })) };
        writeAnswers(`contrast/${p.scenario}-${v}-${rubric.id}`, { scenario: p.scenario, version: v, rubricId: rubric.id, unitsFrom: 'script', coding: analysis.coding?.status === 'coded' ? { coder: analysis.coding.coder, answer: Object.fromEntries(analysis.coding.codes.map((c) => [c.unitId, c.code])) } : null, calls });
        log(`contrast ${p.scenario} ${v} ${rubric.id}: done in ${seconds(performance.now() - t0)} s, ${calls.length} calls`);
      }
      const cmp = comparePair(analyses.good!, analyses.poor!);
      const entry = { scenario: p.scenario, rubricId: rubric.id, coder: coderOf(contrastCoder).info, model: analyses.good!.model, ...cmp, expected: expectedMeans(rubric, expected), timings };
      const at = results.findIndex((r) => r.scenario === p.scenario && r.rubricId === rubric.id);
      if (at >= 0) results[at] = entry;
      else results.push(entry);
      log(`contrast ${p.scenario} ${rubric.id}: good ${cmp.good.mean} poor ${cmp.poor.mean} Δ ${cmp.difference}, items good/poor/tie ${cmp.favourGood}/${cmp.favourPoor}/${cmp.ties}`);
      writeResults();
    }
  }
  results.sort((a, b) => String(a.scenario).localeCompare(String(b.scenario)) || String(a.rubricId).localeCompare(String(b.rubricId)));
  Object.assign(contrast, {
    unitsFrom: "The scripts' ground truth (scripts/evaluation-set/contrast-units.ts: one unit per sentence, times laid out from the script), not synthesis + STT, which are measured by bench:pipeline and the STT benchmarks.",
    scoreDefinition: 'Each scored item normalised to 0-1 as (score - scale min) / (scale max - scale min); a version\'s score is the mean over its scored items. Items of a failed section are listed as unscored and left out.',
  });
}

function writeResults(): void {
  const coders = (coding.coders ?? {}) as Record<string, Record<string, { testSplit: { overall: { kappa: number }; questions: { kappa: number } } }>>;
  const contrastResults = (contrast.results ?? []) as Array<{ scenario: string; rubricId: string; difference: number | null; meets: { difference: boolean; items: boolean } }>;
  const targets = {
    definition: 'issue 9: coding kappa >= 0.6 over all codes and >= 0.8 for questions (test split); every pair\'s good version >= poor + 0.2 (normalised mean) on every rubric, and no more items favour the poor version than the good one.',
    coding: Object.fromEntries(
      Object.entries(coders).map(([kind, byRubric]) => [
        kind,
        Object.fromEntries(Object.entries(byRubric).map(([id, r]) => [id, { kappa: r.testSplit.overall.kappa, kappaMet: r.testSplit.overall.kappa >= 0.6, questionKappa: r.testSplit.questions.kappa, questionKappaMet: r.testSplit.questions.kappa >= 0.8 }])),
      ]),
    ),
    codeContrast: {
      pairsRubrics: codeContrastResults.length,
      differenceMet: codeContrastResults.filter((r) => (r.classifier.difference ?? -1) >= CONTRAST_TARGETS.minDifference - 1e-9).length,
      itemsMet: codeContrastResults.filter((r) => r.classifier.favourPoor <= r.classifier.favourGood).length,
      practiceFewerInGood: codeContrastResults.filter((r) => r.classifier.good.practice.length < r.classifier.poor.practice.length).length,
      practiceMoreInGood: codeContrastResults.filter((r) => r.classifier.good.practice.length > r.classifier.poor.practice.length).length,
    },
    contrast: {
      minDifference: CONTRAST_TARGETS.minDifference,
      pairsRubrics: contrastResults.length,
      differenceMet: contrastResults.filter((r) => r.meets.difference).length,
      itemsMet: contrastResults.filter((r) => r.meets.items).length,
      missed: contrastResults.filter((r) => !r.meets.difference || !r.meets.items).map((r) => `${r.scenario}/${r.rubricId} (Δ ${r.difference}${r.meets.items ? '' : ', more items favour poor'})`),
    },
  };
  const out = {
    generatedAt: new Date().toISOString(),
    machine,
    llm: { model: modelEntry.id, file: modelEntry.file, threads, contextSize: 8192 },
    classifier: classifier.info,
    targets,
    coding,
    codeContrast: {
      definition: 'Each contrast pair (script units) coded by the classifier and, separately, by its hand codes; every item with a code guide scored by its code rule (no language model), normalised 0-1 and averaged; practice points are the indicators that missed their goal. vsExpert: |code score - expected.md score| on the 1-5 scale over both versions.',
      results: codeContrastResults,
    },
    contrast,
  };
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(out, null, 2)}\n`);
}

writeResults();
log(`wrote ${path.relative(repoRoot, resultsFile)}`);
await classifier.close();
await llm?.close();
await closeServer?.();

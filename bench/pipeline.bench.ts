// `npm run bench:pipeline [-- --only sample|long]`: time from "upload complete" to "PDF ready" on the
// embedded default (real whisper.cpp and local GGUF model), per step, with peak memory. Writes
// bench/results/pipeline.json. Figures are measured here, never asserted in tests.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../backend/src/config';
import { embeddedLlmModel } from '../backend/src/llm/llm-manifest';
import { defaultDataDir, repoRoot, resourcesDir } from '../backend/src/paths';
import { startRuntime, type Runtime } from '../backend/src/runtime/runtime';
import { ensureDevIdentity } from '../backend/src/db/repositories/identity';
import { workflowIdFor } from '../backend/src/workflows/evaluation-client';
import { synthesizeSession, encodeOggOpus } from '../scripts/sample-session/make-sample-session';
import { SessionScript } from '../scripts/sample-session/session-script';
import { silentLog } from '../backend/src/runtime/log';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const benchDir = path.join(defaultDataDir, 'bench');
mkdirSync(benchDir, { recursive: true });

/** A ~30-minute session: the sample script repeated, each round with a different topic line. */
async function longSession(): Promise<string> {
  const ogg = path.join(benchDir, 'long-session.ogg');
  if (existsSync(ogg)) return ogg;
  const script = SessionScript.parse(JSON.parse(readFileSync(path.join(resourcesDir, 'sample-session', 'script.json'), 'utf8')));
  const rounds = 10;
  const lines = Array.from({ length: rounds }, (_, r) => [
    { channel: 0 as const, text: `Let us look at part ${r + 1} of your plan together.`, gapSec: 1 },
    ...script.lines,
  ]).flat();
  console.error(`synthesising a ${rounds}× session (${lines.length} lines)…`);
  const { wavPath } = await synthesizeSession({ ...script, lines }, { outDir: benchDir, wavName: 'long-session.wav' });
  await encodeOggOpus(wavPath, ogg);
  return ogg;
}

async function run(rt: Runtime, name: string, audio: string) {
  const who = rt.devIdentity ?? (await ensureDevIdentity(rt.db, { orgName: 'Bench', userEmail: 'bench@local', displayName: 'Bench', role: 'clinician', token: 'bench-token-0001' }));
  const consent = { given: true as const, method: 'written' as const, textVersion: 'bench' };
  const s = await rt.sessions.createSession(who, { title: `bench ${name}`, rubricId: 'motivational-interviewing', participants: [{ channel: 0, displayName: 'Dr. Maya Okafor', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'Daniel Reyes', roleLabel: 'Patient', consent }] });
  const staging = path.join(benchDir, `upload-${s.id}`);
  writeFileSync(staging, readFileSync(audio));
  const { createHash } = await import('node:crypto');
  const rec = await rt.sessions.acceptRecording(who, s.id, { path: staging, declaredSha256: createHash('sha256').update(readFileSync(audio)).digest('hex') });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  const t0 = Date.now();
  const view = await rt.sessions.startEvaluation(who, s.id);
  const wf = workflowIdFor(view.evaluation!.id);
  await rt.evaluations.result(wf);
  const totalSec = (Date.now() - t0) / 1000;
  clearInterval(sampler);
  const history = await rt.evaluations.client.workflow.getHandle(wf).fetchHistory();
  const ms = (t: unknown) => {
    const ts = t as { seconds?: { toNumber(): number } | number; nanos?: number };
    const sec = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
    return sec * 1000 + (ts.nanos ?? 0) / 1e6;
  };
  const scheduled = new Map<string, { type: string; at: number }>();
  const steps: Record<string, number> = {};
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), { type: e.activityTaskScheduledEventAttributes.activityType!.name!, at: ms(e.eventTime) });
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const s0 = scheduled.get(String(done.scheduledEventId))!;
      steps[s0.type] = Math.round(((steps[s0.type] ?? 0) + (ms(e.eventTime) - s0.at) / 1000) * 100) / 100;
    }
  }
  const { pages } = await rt.sessions.getReportPdf(who, s.id);
  const transcript = await rt.sessions.getTranscript(who, s.id);
  // Tokens of every model call of the analysis (coding, items, narrative) over the steps that made them.
  const { stats } = await rt.sessions.getAnalysis(who, s.id);
  const llmSec = ['codeUnits', 'scoreSection', 'writeNarrative', 'analyzeSection'].reduce((n, k) => n + (steps[k] ?? 0), 0);
  const llm = { calls: stats.calls, retries: stats.retries, promptTokens: stats.promptTokens, completionTokens: stats.completionTokens, stepsSec: Math.round(llmSec * 10) / 10, completionTokensPerStepSec: llmSec ? Math.round((stats.completionTokens / llmSec) * 10) / 10 : null };
  return { name, llm, audioSec: rec.durationSec, bytes: rec.bytes, uploadCompleteToPdfSec: totalSec, realTimeFactor: Math.round((totalSec / (rec.durationSec ?? 1)) * 1000) / 1000, stepsSec: steps, peakRssMb: Math.round(peakRss / 2 ** 20), pages, words: transcript.segments.reduce((n, x) => n + x.words.length, 0) };
}

const config = loadConfig({ ...process.env, FE_DATA_DIR: path.join(benchDir, 'runtime'), FE_STT_MODEL_PATH: path.join(defaultDataDir, 'models', 'ggml-tiny.en.bin'), FE_LLM_MODEL_PATH: path.join(defaultDataDir, 'models', embeddedLlmModel(loadConfig().llmModel).file), FE_POLICY_BUNDLE_DIR: path.join(defaultDataDir, 'policy'), FE_API_PORT: '0', LOG_LEVEL: 'warn' });
const rt = await startRuntime(config, { api: false, worker: true, log: () => silentLog() });
const results: Record<string, unknown>[] = [];
/** Written after every run, so a long run that is stopped keeps the figures of the ones before. */
function writeResults() {
  const out = { benchmark: 'pipeline', measuredAt: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage1m: os.loadavg()[0] }, engines: { stt: 'whisper.cpp tiny.en (ggml, converted)', sttThreads: config.sttThreads, llm: config.llmModel, llmThreads: config.llmThreads }, note: 'peakRssMb is the Node process running the API-less runtime + worker (whisper.cpp and node-llama-cpp in-process); ffmpeg children are not included.', results };
  mkdirSync(path.join(repoRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'bench', 'results', 'pipeline.json'), JSON.stringify(out, null, 2) + '\n');
  return out;
}
/** A failed run is recorded with its error instead of losing the runs that worked. */
async function attempt(name: string, audio: () => Promise<string>) {
  try {
    results.push(await run(rt, name, await audio()));
  } catch (e) {
    results.push({ name, error: (e as Error).message });
  }
  writeResults();
}
try {
  if (values.only !== 'long') await attempt('sample-3min', async () => path.join(resourcesDir, 'sample-session', 'sample-session.ogg'));
  if (values.only !== 'sample') await attempt('synthetic-30min', longSession);
} finally {
  await rt.stop();
}
console.log(JSON.stringify(writeResults(), null, 2));

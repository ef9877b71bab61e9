// `npm run setup [-- --tests]`: everything a fresh machine needs, idempotent, with progress.
import path from 'node:path';
import { loadConfig } from '../../backend/src/config';
import { ensureSystemPackages } from './system-packages';
import { setupTemporalCli } from './temporal-cli';
import { DEFAULT_WHISPER_MODEL, setupWhisperModel } from './whisper-model';
import { whisperModelFile } from '../../backend/src/runtime/model-paths';
import { setupLlmModel } from './llm-model';
import { providersFromConfig } from '../../backend/src/gateway/embedded-gateway';
import { localChatModel } from '../../backend/src/gateway/providers/provider-config';
import { defaultLlmModelId } from '../../backend/src/llm/llm-manifest';
import { setupPolicyBundle } from './policy-bundle';
import { ensureTemporalServer } from '../../backend/src/runtime/temporal-server-build';
import { setupEmbeddingModel } from './embedding-model';
import { setupSchemathesis } from './schemathesis';

const withTests = process.argv.includes('--tests');
const config = loadConfig();
const started = Date.now();
const say = (step: string, msg: string) => console.log(`[setup ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${step}: ${msg}`);
const progress = (step: string) => (e: { step?: string; fraction?: number; message: string }) =>
  say(step, `${e.message}${e.fraction !== undefined ? ` (${Math.round(e.fraction * 100)}%)` : ''}`);

try {
  ensureSystemPackages({ withTests, onProgress: (m) => say('system', m) });
  if (!config.temporalCli && !config.temporalAddress) await setupTemporalCli({ dataDir: config.dataDir, onProgress: (m) => say('temporal', m) });
  // The Temporal server on PostgreSQL (FE_TEMPORAL_MODE=server, and its tests): built from the Go modules once, cached in <data>/bin.
  if (!config.temporalAddress && (config.temporalMode === 'server' || withTests)) await ensureTemporalServer({ dataDir: config.dataDir, pathEnv: process.env.PATH, onProgress: (m) => say('temporal-server', m) });
  await setupPolicyBundle({ dataDir: config.dataDir, onProgress: (m) => say('policy', m) });
  // tiny.en for the desktop's live draft and the tests, and the backend's model (FE_STT_MODEL) when
  // it is one set-up makes and FE_STT_MODEL_PATH does not name another file.
  const backendStt = !config.sttModelPath && whisperModelFile(config.sttModel) ? config.sttModel : null;
  for (const modelId of new Set([DEFAULT_WHISPER_MODEL, ...(backendStt ? [backendStt] : [])])) {
    const stt = await setupWhisperModel({ dataDir: config.dataDir, modelId, onProgress: progress('stt-model') });
    say('stt-model', `ready: ${modelId} at ${path.relative(process.cwd(), stt.modelPath)} sha256 ${stt.sha256.slice(0, 12)}…`);
  }
  // The utterance classifier's sentence embeddings (docs/decisions/012); small, always local.
  const embedding = await setupEmbeddingModel({ dataDir: config.dataDir, onProgress: progress('embedding-model') });
  say('embedding-model', `ready: ${path.relative(process.cwd(), embedding.modelPath)} sha256 ${embedding.sha256.slice(0, 12)}…`);
  // Only the embedded model the routes use (FE_LLM_MODEL, or a providers file's local target) and,
  // for the tests, the default one; none when FE_LLM_MODEL_PATH names the file.
  const configured = config.llmModelPath ? null : localChatModel(providersFromConfig(config));
  for (const modelId of new Set([configured, withTests ? defaultLlmModelId : null].filter((m): m is string => m !== null))) {
    const llm = await setupLlmModel({ dataDir: config.dataDir, modelId, onProgress: progress('llm-model') });
    say('llm-model', `ready: ${modelId} at ${path.relative(process.cwd(), llm.modelPath)} sha256 ${llm.sha256.slice(0, 12)}…`);
  }
  // The API fuzz test and `npm run fuzz:api` (schemathesis from PyPI, in its own venv).
  if (withTests) await setupSchemathesis({ dataDir: config.dataDir, onProgress: (m) => say('schemathesis', m) });
  say('done', 'setup complete');
} catch (e) {
  console.error(`\nSetup failed: ${(e as Error).message}`);
  process.exit(1);
}

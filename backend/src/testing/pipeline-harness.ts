import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { defaultDataDir, repoRoot } from '../paths';
import { addApiToken, addMembership, createOrg, createUser } from '../db/repositories/identity';
import { setOrgPolicySettings } from '../db/repositories/org-policy-settings';
import { findTemporalCli, startTemporalDevServer, type TemporalDevServer } from '../runtime/temporal-dev-server';
import { startRuntime, type Runtime } from '../runtime/runtime';
import type { Identity } from '../api/auth';
import { createTestDatabase, type TestDatabase } from './test-database';
import { silentLog, type Log } from '../runtime/log';

export interface WorkerProcess {
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface PipelineHarness {
  runtime: Runtime;
  env: Record<string, string>;
  who: Identity & { token: string };
  temporal: TemporalDevServer;
  tdb: TestDatabase;
  /** A worker in its own process (as in production), ready when this resolves. */
  spawnWorker(): Promise<WorkerProcess>;
  stop(): Promise<void>;
}

/**
 * The deployed topology on one machine: a real Temporal dev server, a fresh real PostgreSQL
 * database, the API runtime, and workers in-process or as separate processes. Only the LLM
 * provider is replaced (by `llmBaseUrl`, an OpenAI-compatible test server).
 */
/**
 * `webRoot`: static files of the web client, served at / by the API (e2e tests); `log`: the
 * runtime's loggers (silent by default); `env`: config keys added to or replacing the harness's.
 */
export async function startPipelineHarness(opts: { llmBaseUrl: string; inProcessWorker: boolean; maxDurationSec?: number; webRoot?: string; log?: (component: string) => Log; env?: Record<string, string> }): Promise<PipelineHarness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-pipeline-'));
  const tdb = await createTestDatabase();
  const temporal = await startTemporalDevServer({ cli: findTemporalCli({ dataDir: defaultDataDir }), dbFile: path.join(dir, 'temporal.db'), namespace: 'default' });
  const env: Record<string, string> = {
    FE_DATA_DIR: path.join(dir, 'data'),
    // The app login and the owner, as a deployment should run (docs/decisions/016).
    DATABASE_URL: tdb.appUrl,
    FE_DATABASE_URL_MIGRATE: tdb.ownerUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    FE_LLM_BASE_URL: opts.llmBaseUrl,
    FE_LLM_API_KEY: 'test-key',
    FE_LLM_MODEL: 'test-model',
    // The scripted provider answers the coding batches too: these runs test the LLM coder's path
    // through the gateway (the classifier default is tested in backend/src/coding/classifier).
    FE_CODER: 'llm',
    // The key-encryption key outside the data folder, as in a deployment (docs/decisions/015); the
    // test database's own handle (tdb.db) wraps and unwraps the org data keys with the same file.
    FE_KEK_FILE: tdb.kekFile,
    // The signed audit heads where tdb.db reads them, so a test can verify the trails the runtime wrote.
    FE_AUDIT_HEAD_DIR: tdb.auditHeadDir,
    FE_STT_MODEL_PATH: path.join(defaultDataDir, 'models', 'ggml-tiny.en.bin'),
    FE_STT_THREADS: '2',
    // The bundle `npm run setup` built from resources/policies (a fresh data folder has none).
    FE_POLICY_BUNDLE_DIR: path.join(defaultDataDir, 'policy'),
    FE_API_PORT: '0',
    FE_MAX_DURATION_SEC: String(opts.maxDurationSec ?? 3600),
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const runtime = await startRuntime(loadConfig(env), { api: true, worker: opts.inProcessWorker, gateway: true, log: opts.log ?? (() => silentLog()), webRoot: opts.webRoot });
  // Workers in their own processes reach this runtime's gateway, as in a deployment with FE_GATEWAY_URL.
  env.FE_GATEWAY_URL = runtime.gatewayUrl!;
  const orgId = randomUUID();
  const token = `t-${randomBytes(12).toString('hex')}`;
  const who = await tdb.db.withOrg(orgId, async (tx) => {
    await createOrg(tx, { name: 'Pipeline Test Clinic' });
    const u = await createUser(tx, { email: 'clinician@pipeline.test', displayName: 'Dr. Pipeline' });
    await addMembership(tx, { userId: u.id, role: 'clinician' });
    await addApiToken(tx, { userId: u.id, token });
    return { orgId, orgName: 'Pipeline Test Clinic', userId: u.id, email: u.email, displayName: u.displayName, roles: ['clinician' as const], token };
  });
  // The org allows the test provider's model for rubric analysis (the default policy allows only the embedded one).
  await setOrgPolicySettings(tdb.db, orgId, { purposes: { rubric_analysis: { models: ['test-model'] } } });
  const workers: WorkerProcess[] = [];

  return {
    runtime,
    env,
    who,
    temporal,
    tdb,
    async spawnWorker() {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'backend/src/worker-main.ts')], {
        env: { ...process.env, ...env, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`worker did not get ready in 90 s: ${out.slice(-2000)}`)), 90_000);
        const onData = (d: Buffer) => {
          out = (out + d.toString()).slice(-20000);
          if (out.includes('worker ready')) {
            clearTimeout(t);
            resolve();
          }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => {
          clearTimeout(t);
          reject(new Error(`worker exited (${code}) before ready: ${out.slice(-2000)}`));
        });
      });
      const w: WorkerProcess = {
        child,
        async kill(signal: NodeJS.Signals = 'SIGKILL') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      };
      workers.push(w);
      return w;
    },
    async stop() {
      for (const w of workers) await w.kill('SIGKILL');
      await runtime.stop();
      await temporal.stop();
      await tdb.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive, waitFor } from './testing/process-wait';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir, repoRoot } from './paths';
import { findTemporalCli } from './runtime/temporal-dev-server';
import { freePort } from './runtime/temporal-dev-server';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'backend/src/start.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exit, output: () => out };
}


/** Direct children with their command names (tsx's own esbuild helper is not ours to check). */
const childrenOf = (pid: number) => {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([, comm]) => comm && comm !== 'esbuild')
      .map(([p, comm]) => ({ pid: Number(p), comm: comm! }));
  } catch {
    return [];
  }
};

describe('npm start (embedded runtime)', () => {
  it('starts PostgreSQL, migrations, Temporal, the worker and the API, logs each step, and stops them all on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fe-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const keyDir = mkdtempSync(path.join(os.tmpdir(), 'fe-start-kek-'));
    dirs.push(keyDir);
    const p = startProcess({ FE_DATA_DIR: dataDir, FE_KEK_FILE: path.join(keyDir, 'kek.json'), TEMPORAL_CLI: findTemporalCli({ dataDir: defaultDataDir }), FE_API_PORT: String(port), FE_LLM_BASE_URL: 'http://127.0.0.1:9/v1', FE_POLICY_BUNDLE_DIR: path.join(defaultDataDir, 'policy'), FE_STT_MODEL_PATH: path.join(dataDir, 'models', 'not-downloaded.bin'), LOG_LEVEL: 'info' });
    await waitFor(() => p.output().includes('API listening'), 150_000, p.output);
    for (const step of ['PostgreSQL ready', 'migrations as fe_owner, the app as fe_web', 'applied migrations', 'created the key-encryption key file', 'Temporal dev server ready', 'worker polling', 'API listening']) expect(p.output()).toContain(step);
    const me = await fetch(`http://127.0.0.1:${port}/v1/me`, { headers: { authorization: 'Bearer dev-clinician-token' } });
    expect(await me.json()).toMatchObject({ email: 'clinician@demo.local', roles: ['clinician'] });
    // The API's /readyz runs every check of the process (the worker's included) and names a failed one by its code.
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    const readyBody = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean; error?: { code: string; message: string } }> };
    // The whisper.cpp model it is given is not there: not ready, and it says which file.
    expect(ready.status).toBe(503);
    expect(readyBody).toMatchObject({
      ready: false,
      checks: { database: { ok: true }, temporal: { ok: true }, blobs: { ok: true }, gateway: { ok: true }, models: { ok: false, error: { code: 'ready.models_missing' } } },
    });
    expect(readyBody.checks.models!.error!.message).toContain(path.join(dataDir, 'models', 'not-downloaded.bin'));
    const kids = childrenOf(p.child.pid!);
    expect(kids.map((k) => k.comm)).toEqual(expect.arrayContaining(['temporal']));
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(p.output()).toContain('stopped PostgreSQL');
    expect(p.output()).toContain('stopped Temporal dev server');
    await waitFor(() => kids.every((k) => !isAlive(k.pid)), 10_000, () => `still running: ${JSON.stringify(kids.filter((k) => isAlive(k.pid)))}`);
  }, 200_000);

  it('names a missing program and how to install it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fe-start-'));
    dirs.push(dataDir);
    const p = startProcess({ FE_DATA_DIR: dataDir, FE_API_PORT: '0', TEMPORAL_CLI: '/nonexistent/temporal', FE_LLM_BASE_URL: 'http://127.0.0.1:9/v1' });
    expect(await p.exit).toBe(1);
    expect(p.output()).toMatch(/TEMPORAL_CLI points to \/nonexistent\/temporal.*npm run setup/s);
  }, 120_000);

  it('refuses an invalid configuration naming the key', async () => {
    const p = startProcess({ FE_API_PORT: 'not-a-port' });
    expect(await p.exit).not.toBe(0);
    expect(p.output()).toContain('FE_API_PORT');
  }, 60_000);
});

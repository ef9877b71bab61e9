import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../paths';
import type { CheckResult } from '../ops/readiness';

export interface Readyz {
  status: number;
  body: { ready: boolean; checks: Record<string, CheckResult> };
}

export async function readyz(baseUrl: string): Promise<Readyz> {
  const r = await fetch(`${baseUrl}/readyz`);
  return { status: r.status, body: (await r.json()) as Readyz['body'] };
}

/** Polls /readyz until `want` holds or time runs out (a reconnecting pool or gRPC channel takes a moment); the last answer either way. */
export async function readyzUntil(baseUrl: string, want: (r: Readyz) => boolean, timeoutMs = 60_000): Promise<Readyz> {
  const deadline = Date.now() + timeoutMs;
  let r = await readyz(baseUrl);
  while (!want(r) && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 300));
    r = await readyz(baseUrl);
  }
  return r;
}

export const allReady = (r: Readyz) => r.status === 200 && r.body.ready;

/** 503 with exactly one failed check, failed with `code`. */
export const onlyFailed = (code: string) => (r: Readyz) => {
  const failed = Object.values(r.body.checks).filter((c) => !c.ok);
  return r.status === 503 && failed.length === 1 && !failed[0]!.ok && failed[0]!.error.code === code;
};

/**
 * One of the backend's entry files (worker-main.ts, gateway-main.ts) as its own process, as deployed;
 * resolves once `healthUrl`/healthz answers. stop() sends SIGTERM and waits for the exit.
 */
export async function spawnEntry(entry: string, env: Record<string, string | undefined>, healthUrl: string, timeoutMs = 120_000) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'backend/src', entry)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited (${child.exitCode}): ${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${entry}: ${healthUrl}/healthz never answered: ${out}`);
    }
    const r = await fetch(`${healthUrl}/healthz`).catch(() => null);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 300));
  }
  return { child, output: () => out, stop };
}

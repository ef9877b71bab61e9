// `npm run start:cluster`: real nginx in front of two real API processes (plus PostgreSQL, Temporal, the gateway and a worker).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive, waitFor } from '../backend/src/testing/process-wait';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultDataDir, repoRoot } from '../backend/src/paths';
import { findTemporalCli, freePort } from '../backend/src/runtime/temporal-dev-server';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));


describe.skipIf(!nginx)('npm run start:cluster', () => {
  it('balances requests over both API processes through nginx, upgrades WebSockets, survives one API process dying, and stops everything on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fe-cluster-test-'));
    const keyDir = mkdtempSync(path.join(os.tmpdir(), 'fe-cluster-kek-'));
    dirs.push(dataDir, keyDir);
    const port = await freePort();
    const env = { FE_DATA_DIR: dataDir, FE_KEK_FILE: path.join(keyDir, 'kek.json'), TEMPORAL_CLI: findTemporalCli({ dataDir: defaultDataDir }), FE_LLM_BASE_URL: 'http://127.0.0.1:9/v1', FE_POLICY_BUNDLE_DIR: path.join(defaultDataDir, 'policy'), FE_STT_MODEL_PATH: path.join(dataDir, 'not-downloaded.bin'), LOG_LEVEL: 'info' };
    const launcher = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/start-cluster.ts'), '--api', '2', '--workers', '2', '--port', String(port), '--nginx', nginx!], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    launcher.stdout.on('data', (d) => (out += d));
    launcher.stderr.on('data', (d) => (out += d));
    const exit = new Promise<number | null>((r) => launcher.once('exit', (code) => r(code)));
    try {
      await waitFor(() => out.includes('cluster ready') || launcher.exitCode !== null, 75_000, () => out);
      const ready = out.match(/cluster ready: (http:\S+?)\/? \(nginx → API processes pid (\d+) on (\d+), pid (\d+) on (\d+);.*nginx config (\S+)\)/);
      expect(ready, out).not.toBeNull();
      const [, url, pid1, port1, pid2, port2, conf] = ready!;
      const workerPids = out.match(/workers pid (\d+), (\d+);/)!.slice(1).map(Number);
      expect(workerPids.every(isAlive)).toBe(true);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect(readFileSync(conf!, 'utf8')).toMatch(/proxy_http_version 1\.1;[\s\S]*Upgrade \$http_upgrade/);
      const token = readFileSync(out.match(/bearer token of the dev identity .*: (\S+)"/)![1]!, 'utf8').trim();
      const auth = { authorization: `Bearer ${token}` };

      // Round-robin: both API processes answer, each through nginx, with the dev identity's token.
      const upstreams = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${url}/v1/me`, { headers: auth });
        expect(res.status, await res.clone().text()).toBe(200);
        upstreams.add(res.headers.get('x-fe-upstream')!);
      }
      expect([...upstreams].sort()).toEqual([`127.0.0.1:${port1}`, `127.0.0.1:${port2}`].sort());
      expect((await fetch(`${url}/v1/me`)).status).toBe(401); // nginx passes the refusal through, no token no answer

      // The WebSocket upgrade passes nginx (the events channel, authenticated).
      const ws = new WebSocket(`${url!.replace(/^http/, 'ws')}/v1/events`, { headers: auth });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
        ws.once('error', reject);
      });
      ws.close();

      // One API process dies: every request still succeeds, through the other one.
      process.kill(Number(pid1), 'SIGKILL');
      await waitFor(() => !isAlive(Number(pid1)), 5_000, () => `pid ${pid1} still alive`);
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${url}/v1/me`, { headers: auth });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-fe-upstream')).toContain(`127.0.0.1:${port2}`);
      }
      const nginxPid = Number(readFileSync(path.join(path.dirname(conf!), 'nginx.pid'), 'utf8'));
      expect(isAlive(nginxPid)).toBe(true);

      launcher.kill('SIGTERM');
      expect(await exit).toBe(0);
      for (const pid of [Number(pid2), nginxPid, ...workerPids]) expect(isAlive(pid), `pid ${pid} left running`).toBe(false);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      // SIGTERM, not SIGKILL: the launcher stops its children only when it is let to (a failed assertion must not leave them running).
      if (launcher.exitCode === null) {
        launcher.kill('SIGTERM');
        await Promise.race([exit, new Promise((r) => setTimeout(r, 20_000))]);
        if (launcher.exitCode === null) launcher.kill('SIGKILL');
      }
    }
  }, 120_000);
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { repoRoot } from '../backend/src/paths';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-bridge-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bridge entry (main features without Electron)', () => {
  it('prints its URL and token, answers calls over the bridge and exits on SIGTERM', async () => {
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), ['main/bridge-main.ts', '--data-dir', dir, '--backend-url', 'http://127.0.0.1:9'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const { url, token } = JSON.parse(line) as { url: string; token: string };
      expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
      expect(token.length).toBeGreaterThanOrEqual(32);
      const ws = new WebSocket(`${url}?token=${token}`);
      await new Promise((r) => ws.once('open', r));
      const answer = new Promise<unknown>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
      ws.send(JSON.stringify({ id: 1, type: 'call', channel: 'settings:get' }));
      expect(await answer).toEqual({ id: 1, type: 'result', result: { ok: true, value: { backendUrl: 'http://127.0.0.1:9', autoUpload: true } } });
      ws.close();
      expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    } finally {
      const exited = new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';

let t: TestDatabase;
const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-cli-external-'));
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('feedback evaluate against an external database', () => {
  it('refuses with config.invalid and creates no dev identity (no org, user or token) in that database', async () => {
    writeFileSync(path.join(dir, 'x.wav'), 'not audio');
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/feedback.mjs'), 'evaluate', 'x.wav'], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: t.url, FE_DATA_DIR: path.join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('[config.invalid]');
    const su = new pg.Client({ connectionString: t.url });
    await su.connect();
    try {
      const { rows } = await su.query<{ orgs: number; tokens: number }>('SELECT (SELECT count(*)::int FROM orgs) AS orgs, (SELECT count(*)::int FROM api_tokens) AS tokens');
      expect(rows[0]).toEqual({ orgs: 0, tokens: 0 });
    } finally {
      await su.end();
    }
  }, 60_000);
});

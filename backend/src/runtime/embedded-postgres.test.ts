import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres';

const isRoot = process.getuid?.() === 0;
const cleanup: string[] = [];
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'fe-embedded-pg-test-'));
  // mkdtemp makes it 0700; as root, the postgres user must be able to reach the clusters inside.
  chmodSync(root, 0o755);
  cleanup.push(root);
});
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

async function scalar<T>(url: string, sql: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query(sql)).rows[0] ?? {})[0] as T;
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  it('initialises a cluster, serves the feedback database, and on the next start reuses the same data', async () => {
    const dataDir = path.join(root, 'reuse');
    const logs: string[] = [];
    const first = await startEmbeddedPostgres({ dataDir, ephemeral: true, log: (m) => logs.push(m) });
    cleanup.push(first.clusterDir);
    try {
      expect(first.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/feedback$/);
      expect(await scalar<string>(first.url, 'SELECT current_database()')).toBe('feedback');
      expect(await scalar<string>(first.url, 'SHOW server_version')).toMatch(/^18\./);
      const c = new pg.Client({ connectionString: first.url });
      await c.connect();
      await c.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
      await c.end();
    } finally {
      await first.stop();
    }
    expect(logs.some((m) => m.includes('initialised a new cluster'))).toBe(true);
    await expect(scalar(first.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);

    logs.length = 0;
    const second = await startEmbeddedPostgres({ dataDir, ephemeral: true, log: (m) => logs.push(m) });
    try {
      expect(second.clusterDir).toBe(first.clusterDir);
      expect(logs.some((m) => m.includes('initialised a new cluster'))).toBe(false);
      expect(await scalar<string>(second.url, 'SELECT v FROM kept')).toBe('still here');
    } finally {
      await second.stop();
    }
  });

  it('fails with the server’s reason when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const attempt = startEmbeddedPostgres({ dataDir: path.join(root, 'busy'), port, ephemeral: true });
      await expect(attempt).rejects.toThrow(new RegExp(`did not start[\\s\\S]*port ${port}[\\s\\S]*(Address already in use|could not)`));
    } finally {
      blocker.close();
    }
  });

  it('refuses a data dir that holds something other than its cluster', async () => {
    const dataDir = path.join(root, 'foreign');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'notes.txt'), 'mine');
    const attempt = startEmbeddedPostgres({ dataDir, ephemeral: true });
    attempt.then((pgServer) => pgServer.stop(), () => undefined);
    await expect(attempt).rejects.toThrow(/not empty|not created by this app/);
    expect(existsSync(path.join(dataDir, 'notes.txt'))).toBe(true);
  });

  it.runIf(isRoot)('as root, moves a cluster the postgres user cannot reach to /tmp and finds it there again', async () => {
    const hidden = mkdtempSync(path.join(os.tmpdir(), 'fe-private-')); // mode 0700, owned by root
    cleanup.push(hidden);
    const dataDir = path.join(hidden, 'pg');
    const logs: string[] = [];
    const first = await startEmbeddedPostgres({ dataDir, ephemeral: true, log: (m) => logs.push(m) });
    cleanup.push(first.clusterDir);
    try {
      expect(first.clusterDir).toMatch(/\/fe-pg-[0-9a-f]{12}$/);
      expect(logs.some((m) => m.includes(first.clusterDir) && m.includes(dataDir))).toBe(true);
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    try {
      expect(second.clusterDir).toBe(first.clusterDir);
      expect(await scalar<string>(second.url, 'SELECT current_database()')).toBe('feedback');
    } finally {
      await second.stop();
    }
  });
});

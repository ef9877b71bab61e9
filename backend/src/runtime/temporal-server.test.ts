import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDataDir } from '../paths';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { startTemporalServer } from './temporal-server';
import { ensureTemporalServer, type TemporalServerBinaries } from './temporal-server-build';

let root: string;
let pgServer: EmbeddedPostgres;
let binaries: TemporalServerBinaries;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'fe-temporal-server-'));
  chmodSync(root, 0o755);
  // Cached by `npm run setup -- --tests`; built here (minutes) only on a machine that skipped it.
  binaries = await ensureTemporalServer({ dataDir: defaultDataDir, pathEnv: process.env.PATH });
  pgServer = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), ephemeral: true });
}, 900_000);
afterAll(async () => {
  await pgServer?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function schemaVersion(db: string): Promise<string> {
  const u = new URL(pgServer.adminUrl);
  u.pathname = `/${db}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return String((await c.query<{ curr_version: string }>('SELECT curr_version FROM schema_version')).rows[0]?.curr_version);
  } finally {
    await c.end();
  }
}

describe('Temporal server on PostgreSQL', () => {
  it('creates and migrates the temporal and temporal_visibility databases, and keeps workflow state in them across a restart', async () => {
    const opts = { binaries, adminUrl: pgServer.adminUrl, namespace: 'fe-org-test', stateDir: path.join(root, 'temporal') };
    let server = await startTemporalServer(opts);
    const main = await schemaVersion('temporal');
    const visibility = await schemaVersion('temporal_visibility');
    expect(main).toMatch(/^1\.\d+$/);
    expect(visibility).toMatch(/^1\.\d+$/);
    let conn = await Connection.connect({ address: server.address });
    const client = new Client({ connection: conn, namespace: 'fe-org-test' });
    const handle = await client.workflow.start('notRegisteredAnywhere', { taskQueue: 'nobody-polls', workflowId: 'survives-restart', args: [] });
    await conn.close();
    const metrics = await fetch(server.metricsUrl).then((r) => r.text());
    expect(metrics).toMatch(/^# TYPE \w+/m);
    await server.stop();

    // A second start finds the schema in place (no setup), applies nothing new, and reads the same run back.
    server = await startTemporalServer(opts);
    try {
      expect(await schemaVersion('temporal')).toBe(main);
      conn = await Connection.connect({ address: server.address });
      const again = new Client({ connection: conn, namespace: 'fe-org-test' }).workflow.getHandle('survives-restart');
      const d = await again.describe();
      expect(d.runId).toBe(handle.firstExecutionRunId);
      expect(d.status.name).toBe('RUNNING');
      await again.terminate('test done');
      expect((await again.describe()).status.name).toBe('TERMINATED');
      await conn.close();
    } finally {
      await server.stop();
    }
  }, 300_000);
});

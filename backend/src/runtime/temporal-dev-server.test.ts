import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { defaultDataDir } from '../paths';
import { findTemporalCli, startTemporalDevServer } from './temporal-dev-server';
import { findBinary } from './find-binary';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-temporal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('temporal dev server', () => {
  it('starts the real CLI dev server with persistent state and stops it', async () => {
    const cli = findTemporalCli({ dataDir: defaultDataDir });
    const server = await startTemporalDevServer({ cli, dbFile: path.join(dir, 't.db'), namespace: 'fe-test' });
    const conn = await Connection.connect({ address: server.address });
    const ns = await conn.workflowService.describeNamespace({ namespace: 'fe-test' });
    expect(ns.namespaceInfo?.name).toBe('fe-test');
    await conn.close();
    await server.stop();
    await expect(Connection.connect({ address: server.address, connectTimeout: 500 }).then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
  });

  it('names a missing binary and how to install it', () => {
    expect(() => findBinary('definitely-not-a-program', { install: 'Install it with X.' })).toThrow(/definitely-not-a-program.*Install it with X/);
    let caught: unknown;
    try {
      findTemporalCli({ explicit: '/nope/temporal', dataDir: dir });
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'runtime.binary_missing', message: expect.stringMatching(/TEMPORAL_CLI/) });
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../backend/src/config';
import { startApiHarness, type ApiHarness } from '../../backend/src/testing/api-harness';
import { setupSchemathesis } from '../setup/schemathesis';
import { defectsOf, formatSummary, fuzzApi } from './api-fuzz';
import { CONFORMANCE_CHECKS, runSchemathesis } from './schemathesis-run';

// schemathesis from PyPI, installed by `npm run setup -- --tests` (here too, if it is not yet).
let bin: string;
beforeAll(async () => {
  bin = await setupSchemathesis({ dataDir: loadConfig().dataDir });
}, 180_000);

describe('schemathesis against the API', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    const loose = { failures: 1_000_000, windowSec: 1 };
    h = await startApiHarness({ admin: true, limits: { signIn: loose, join: loose } });
  });
  afterAll(() => h?.close());

  it('finds no 5xx and no response outside the document in any operation, as a clinician and as an org admin', async () => {
    const runs = await fuzzApi(h, { bin, checks: CONFORMANCE_CHECKS, maxExamples: 5, seed: 1, output: 'capture' });
    const doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
    const operations = Object.values(doc.paths).flatMap((p) => Object.keys(p).filter((m) => methods.has(m))).length;
    const [clinician, admin, logout] = runs;
    // Every operation of the document is exercised: all but logout in the main runs, logout alone last.
    expect(clinician!.report.operations.tested).toBe(operations - 1);
    expect(admin!.report.operations.tested).toBe(operations - 1);
    expect(logout!.report.operations.tested).toBe(1);
    const failed = runs.filter((r) => r.report.failures.length || r.report.errors.length);
    expect(defectsOf(runs), `${formatSummary(runs)}\n${failed.map((r) => r.output.slice(-6000)).join('\n')}`).toEqual([]);
    expect(runs.flatMap((r) => r.report.errors)).toEqual([]);
  }, 600_000);
});

describe('runSchemathesis', () => {
  it('reports a 5xx as the defect ST101 with its operation, even where the document lists it', async () => {
    const doc = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/boom': { get: { responses: { 200: { description: 'ok' }, 500: { description: 'broken' } } } } } };
    const server = createServer((req, res) => {
      if (req.url === '/openapi.json') return void res.setHeader('content-type', 'application/json').end(JSON.stringify(doc));
      res.statusCode = req.method === 'GET' ? 500 : 405;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const report = await runSchemathesis({ bin, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't', checks: CONFORMANCE_CHECKS, maxExamples: 2, seed: 1, output: 'capture' });
      expect(report.operations.tested).toBe(1);
      expect(report.failures.map((f) => [f.code, f.operations])).toContainEqual(['ST101', ['GET /boom']]);
      expect(report.exitCode).not.toBe(0);
    } finally {
      server.close();
    }
  }, 120_000);
});

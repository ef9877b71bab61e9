// `npm run fuzz:api`: schemathesis (PyPI) against the real API's /openapi.json, all checks, as a
// clinician, as an org admin, and on logout alone. The API runs on an embedded PostgreSQL in a temp
// folder; schemathesis comes from `npm run setup -- --tests` (installed here too if it is missing).
// Options: --max-examples N (default 30), --seed N, --workers N (default 1), --report-dir DIR (JUnit),
// --checks LIST (default all). Exit 1 when a defect (ST1xx: 5xx, or a response the document does
// not allow) is found; the other findings are printed in the summary to be judged.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../backend/src/config';
import { startEmbeddedPostgres } from '../backend/src/runtime/embedded-postgres';
import { setupSchemathesis } from './setup/schemathesis';
import { defectsOf, formatSummary, fuzzApi } from './fuzz/api-fuzz';

const { values } = parseArgs({ options: { 'max-examples': { type: 'string', default: '30' }, seed: { type: 'string' }, workers: { type: 'string', default: '1' }, 'report-dir': { type: 'string' }, checks: { type: 'string', default: 'all' } } });
const bin = await setupSchemathesis({ dataDir: loadConfig().dataDir, onProgress: (m) => console.log(m) });
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fe-fuzz-pg-'));
const pg = await startEmbeddedPostgres({ dataDir, ephemeral: true, log: () => undefined });
process.env.FE_TEST_PG_ADMIN_URL = pg.adminUrl;
// After the environment names the database: the harness reads it when it creates one.
const { startApiHarness } = await import('../backend/src/testing/api-harness');
// Checks such as ignored_auth send wrong tokens on purpose: limits that never block the fuzzer.
const loose = { failures: 1_000_000, windowSec: 1 };
const h = await startApiHarness({ admin: true, limits: { signIn: loose, join: loose } });
let defects = 0;
try {
  const runs = await fuzzApi(h, {
    bin,
    checks: values.checks === 'all' ? 'all' : values.checks!.split(','),
    maxExamples: Number(values['max-examples']),
    seed: values.seed === undefined ? undefined : Number(values.seed),
    workers: Number(values.workers),
    reportDir: values['report-dir'],
  });
  console.log(formatSummary(runs));
  defects = defectsOf(runs).length;
} finally {
  await h.close();
  await pg.stop();
  rmSync(pg.clusterDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(defects ? 1 : 0);

// `npm run fuzz:api`: schemathesis (PyPI) against the real API's /openapi.json, all checks, once with a
// clinician's token and once with an org admin's. The API runs on an embedded PostgreSQL in a temp
// folder; schemathesis is installed into .data/cache/schemathesis-venv on first use.
// Options: --max-examples N (default 30), --seed N, --workers N (default 1), --report-dir DIR.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../backend/src/paths';
import { startEmbeddedPostgres } from '../backend/src/runtime/embedded-postgres';

/** The schemathesis major this script's options are written for. */
const SCHEMATHESIS = 'schemathesis>=4.32,<5';
const venv = path.join(repoRoot, '.data', 'cache', 'schemathesis-venv');

function schemathesisBin(): string {
  const bin = path.join(venv, 'bin', 'schemathesis');
  if (existsSync(bin)) return bin;
  console.log(`installing ${SCHEMATHESIS} into ${path.relative(repoRoot, venv)}…`);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
  };
  run('python3', ['-m', 'venv', venv]);
  run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', SCHEMATHESIS]);
  return bin;
}

const { values } = parseArgs({ options: { 'max-examples': { type: 'string', default: '30' }, seed: { type: 'string' }, workers: { type: 'string', default: '1' }, 'report-dir': { type: 'string' } } });
const bin = schemathesisBin();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fe-fuzz-pg-'));
const pg = await startEmbeddedPostgres({ dataDir, ephemeral: true, log: () => undefined });
process.env.FE_TEST_PG_ADMIN_URL = pg.adminUrl;
// After the environment names the database: the harness reads it when it creates one.
const { startApiHarness } = await import('../backend/src/testing/api-harness');
// Checks such as ignored_auth send wrong tokens on purpose: limits that never block the fuzzer.
const loose = { failures: 1_000_000, windowSec: 1 };
const h = await startApiHarness({ admin: true, limits: { signIn: loose, join: loose } });
let failed = false;
try {
  const clinician = await h.user('clinician');
  const admin = await h.user('org_admin', clinician.orgId);
  // Logout revokes the caller's token: fuzzed first, it turned every later request into a 401
  // (schemathesis warned "Authentication failed" for ~39 operations). It runs last, on its own.
  const LOGOUT = '/v1/auth/oidc/logout';
  const runs = [
    { role: 'clinician', token: clinician.token, only: null },
    { role: 'org_admin', token: admin.token, only: null },
    { role: 'clinician (logout only)', token: clinician.token, only: LOGOUT },
  ] as const;
  for (const { role, token, only } of runs) {
    console.log(`\n=== schemathesis as ${role} against ${h.url}/openapi.json ===`);
    const args = ['run', `${h.url}/openapi.json`, '--checks', 'all', '-H', `Authorization: Bearer ${token}`, '--max-examples', values['max-examples']!, '--workers', values.workers!, '--suppress-health-check', 'too_slow'];
    args.push(...(only ? ['--include-path', only] : ['--exclude-path', LOGOUT]));
    if (values.seed) args.push('--seed', values.seed);
    if (values['report-dir']) args.push('--report', 'junit', '--report-dir', path.join(values['report-dir'], role.replace(/\W+/g, '-')));
    // Asynchronously: the API answers from this same process.
    const child = spawn(bin, args, { stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) failed = true;
  }
} finally {
  await h.close();
  await pg.stop();
  rmSync(pg.clusterDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

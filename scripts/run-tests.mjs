// Runs every suite (type checks and lint, vitest unit/integration, then Playwright e2e) and ends with the
// one line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const out = path.resolve('test-results');
mkdirSync(out, { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;

function vitest() {
  const json = path.join(out, 'vitest.json');
  const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (!existsSync(json)) {
    console.error(`vitest produced no report (exit ${r.status})`);
    broken = true;
    return;
  }
  const rep = JSON.parse(readFileSync(json, 'utf8'));
  passed += rep.numPassedTests;
  failed += rep.numFailedTests;
  skipped += (rep.numPendingTests ?? 0) + (rep.numTodoTests ?? 0);
  // A file that failed to load has no tests but still failed.
  failed += rep.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  if (r.status !== 0 && rep.numFailedTests === 0 && rep.numFailedTestSuites === 0) broken = true;
}

function playwright() {
  if (!existsSync('playwright.config.ts') || !existsSync('e2e') || !readdirSync('e2e').some((f) => f.endsWith('.spec.ts'))) return;
  const json = path.join(out, 'playwright.json');
  const r = spawnSync('npx', ['playwright', 'test', '--reporter=list,json'], { stdio: ['inherit', 'inherit', 'inherit'], env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: json } });
  if (!existsSync(json)) {
    console.error(`playwright produced no report (exit ${r.status})`);
    broken = true;
    return;
  }
  const rep = JSON.parse(readFileSync(json, 'utf8'));
  const s = rep.stats;
  passed += s.expected + (s.flaky ?? 0);
  failed += s.unexpected;
  skipped += s.skipped;
  // An error outside any test (global set-up that cannot load, a spec that does not compile) runs no
  // test at all: it was printed and then lost, and the e2e suite silently did not run. It counts as failed.
  const outside = (rep.errors ?? []).length;
  if (outside > 0 || (r.status !== 0 && s.unexpected === 0)) {
    failed += Math.max(1, outside);
    console.error(`playwright failed outside any test (exit ${r.status}, ${outside} error(s))`);
  }
}

/** Static checks count as one test each: the boundaries of CONVENTIONS §3 and strict types. */
function check(name, cmd, args) {
  console.log(`\n== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status === 0) passed += 1;
  else {
    failed += 1;
    console.error(`${name} failed (exit ${r.status})`);
  }
}

check('typecheck (node)', 'npx', ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
check('typecheck (web)', 'npx', ['tsc', '-p', 'tsconfig.web.json', '--noEmit']);
check('lint (boundaries)', 'npx', ['eslint', '.']);
vitest();
playwright();
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || broken || passed === 0 ? 1 : 0);

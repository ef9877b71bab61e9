import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../app/contracts/errors';
import { repoRoot } from '../../backend/src/paths';

/**
 * The checks whose failures (ST1xx) say the API answered something its own document does not
 * allow: a 5xx, an undocumented status or content type, a body or header the schema rejects. Each
 * is a defect. The other checks (ST2xx, ST3xx) judge how strictly the server reads requests against
 * the document; their findings are weighed one by one (docs/decisions/014).
 */
export const CONFORMANCE_CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance', 'response_schema_conformance'] as const;

const CONFIG_FILE = path.join(repoRoot, 'scripts', 'fuzz', 'schemathesis.toml');

export const isDefect = (code: string): boolean => /^ST1\d\d$/.test(code);

/** The part of schemathesis's `--report json` run report that the summary uses. */
const RunReport = z.object({
  seed: z.number().nullable().optional(),
  running_time: z.number(),
  operations: z.object({ selected: z.number(), tested: z.number(), errored: z.number() }),
  test_cases: z.object({ generated: z.number(), with_failures: z.number(), unique_failures: z.number() }),
  failures: z.array(z.object({ code: z.string(), title: z.string(), count: z.number(), operations: z.array(z.string()) })),
  errors: z.array(z.unknown()),
});
export type RunReport = z.infer<typeof RunReport>;

export interface SchemathesisRun {
  bin: string;
  /** The API's base URL; the document is read from `<url>/openapi.json`. */
  url: string;
  token: string;
  checks: 'all' | readonly string[];
  maxExamples: number;
  seed?: number;
  workers?: number;
  /** Only the paths matching / all but the paths matching this regular expression. */
  includePathRegex?: string;
  excludePathRegex?: string;
  /** schemathesis's own report (its failures with curl reproductions): printed (default), or kept as `output` of the result. */
  output?: 'inherit' | 'capture';
  /** Also write schemathesis's JUnit report into this folder. */
  junitDir?: string;
}

/**
 * One `schemathesis run` against the API with a bearer token, asynchronously (the API may answer
 * from this same process). Runs in a temporary folder with no example database, so a seed gives the
 * same cases every time and nothing is left in the work tree. Returns its JSON run report.
 */
export async function runSchemathesis(run: SchemathesisRun): Promise<RunReport & { exitCode: number | null; output: string }> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'fe-schemathesis-'));
  try {
    const args = ['--config-file', CONFIG_FILE, 'run', `${run.url}/openapi.json`, '--checks', run.checks === 'all' ? 'all' : run.checks.join(','), '-H', `Authorization: Bearer ${run.token}`];
    args.push('--max-examples', String(run.maxExamples), '--workers', String(run.workers ?? 1), '--suppress-health-check', 'too_slow', '--generation-database', 'none');
    args.push('--report', run.junitDir ? 'json,junit' : 'json', '--report-dir', path.join(work, 'report'));
    if (run.junitDir) args.push('--report-junit-path', path.join(run.junitDir, 'junit.xml'));
    if (run.seed !== undefined) args.push('--seed', String(run.seed));
    if (run.includePathRegex) args.push('--include-path-regex', run.includePathRegex);
    if (run.excludePathRegex) args.push('--exclude-path-regex', run.excludePathRegex);
    const capture = run.output === 'capture';
    const child = spawn(run.bin, args, { cwd: work, stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', (e) => reject(new AppError('runtime.binary_missing', `cannot run ${run.bin} (npm run setup -- --tests installs it): ${e.message}`, { cause: e })));
      child.on('close', resolve);
    });
    const dir = path.join(work, 'report');
    const file = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).find((f) => f.isFile() && /^json-.*\.json$/.test(f.name)) : undefined;
    if (!file) throw new AppError('internal', `schemathesis (exit ${exitCode}) wrote no JSON run report: ${output.slice(-2000)}`);
    return { ...RunReport.parse(JSON.parse(readFileSync(path.join(dir, file.name), 'utf8'))), exitCode, output };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

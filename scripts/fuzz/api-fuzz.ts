import path from 'node:path';
import type { ApiHarness } from '../../backend/src/testing/api-harness';
import { isDefect, runSchemathesis, type RunReport, type SchemathesisRun } from './schemathesis-run';

// Logout revokes the caller's token: fuzzed with the rest, it turned every later request into a 401
// (schemathesis warned "Authentication failed" for ~39 operations). It runs last, on its own.
const LOGOUT = '^/v1/auth/oidc/logout$';

export interface FuzzOptions extends Pick<SchemathesisRun, 'bin' | 'checks' | 'maxExamples' | 'seed' | 'workers' | 'output'> {
  reportDir?: string;
}

export interface RoleRun {
  role: string;
  report: RunReport;
  /** schemathesis's own output, when it was captured. */
  output: string;
}

/**
 * schemathesis against every operation of the API's document: as a clinician, as an org admin of the
 * same org (the admin routes), then the logout operation alone with a token of its own.
 */
export async function fuzzApi(h: Pick<ApiHarness, 'url' | 'user'>, opts: FuzzOptions): Promise<RoleRun[]> {
  const clinician = await h.user('clinician');
  const admin = await h.user('org_admin', clinician.orgId);
  const leaving = await h.user('clinician', clinician.orgId);
  const runs = [
    { role: 'clinician', token: clinician.token, excludePathRegex: LOGOUT },
    { role: 'org_admin', token: admin.token, excludePathRegex: LOGOUT },
    { role: 'clinician (logout only)', token: leaving.token, includePathRegex: LOGOUT },
  ];
  const out: RoleRun[] = [];
  for (const { role, ...target } of runs) {
    if (opts.output !== 'capture') console.log(`\n=== schemathesis as ${role} against ${h.url}/openapi.json ===`);
    const junitDir = opts.reportDir ? path.join(opts.reportDir, role.replace(/\W+/g, '-')) : undefined;
    const { exitCode: _exit, output, ...report } = await runSchemathesis({ ...opts, ...target, url: h.url, junitDir });
    out.push({ role, report, output });
  }
  return out;
}

export const defectsOf = (runs: readonly RoleRun[]) => runs.flatMap((r) => r.report.failures.filter((f) => isDefect(f.code)).map((f) => ({ role: r.role, ...f })));

/** A few lines: operations and test cases per role, then each failure code with its operations. */
export function formatSummary(runs: readonly RoleRun[]): string {
  const lines = ['', '=== fuzz:api summary ==='];
  for (const { role, report: r } of runs) {
    const defects = r.failures.filter((f) => isDefect(f.code)).length;
    lines.push(`${role}: ${r.operations.tested}/${r.operations.selected} operations tested (${r.operations.errored} errored), ${r.test_cases.generated} test cases, ${r.test_cases.unique_failures} unique failures (${defects} failure kinds are defects: 5xx or a response the document does not allow), ${r.errors.length} errors, ${r.running_time.toFixed(1)} s`);
    for (const f of r.failures) lines.push(`  ${isDefect(f.code) ? 'DEFECT' : 'judge '} ${f.code} ${f.title} ×${f.count}: ${f.operations.join(', ')}`);
  }
  const defects = defectsOf(runs);
  lines.push(defects.length ? `${defects.length} defect kind(s) found: see the failures above` : 'no 5xx and no response that violates the document');
  return lines.join('\n');
}

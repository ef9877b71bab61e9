import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTokenResolver } from '../api/token-resolver';
import { repoRoot } from '../paths';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';

let t: TestDatabase;
let org: { orgId: string; userId: string };
const email = () => `clinician-${org.orgId.slice(0, 8)}@example.test`;
beforeAll(async () => {
  t = await createTestDatabase();
  org = await seedOrg(t.db, { name: `Tokens Clinic ${Date.now()}` });
});
afterAll(async () => t?.drop());

function feedback(args: string[]) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/feedback.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.once('exit', (code) => r({ code, stdout, stderr })));
}

describe('feedback tokens', () => {
  it('issues an expiring token that signs in, lists it, and revokes it so it no longer does', async () => {
    const resolver = databaseTokenResolver(t.db);
    const issued = await feedback(['tokens', 'issue', '--org', org.orgId, '--email', email(), '--days', '7', '--label', 'ci', '--database-url', t.url]);
    expect(issued.code, issued.stderr).toBe(0);
    const token = issued.stdout.trim();
    expect(token).toMatch(/^fet_[A-Za-z0-9_-]{43}$/);
    expect((await resolver.resolve(token))?.userId).toBe(org.userId);

    const listed = await feedback(['tokens', 'list', '--org', org.orgId, '--email', email(), '--database-url', t.url]);
    const [id, kind, state, expiresAt, label] = listed.stdout.trim().split('\t');
    expect([kind, state, label]).toEqual(['api', 'active', 'ci']);
    expect(Math.round((Date.parse(expiresAt!) - Date.now()) / 86_400_000)).toBe(7);
    expect(listed.stdout).not.toContain(token);

    const revoked = await feedback(['tokens', 'revoke', id!, '--org', org.orgId, '--database-url', t.url]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await resolver.resolve(token)).toBeNull();
    expect((await feedback(['tokens', 'revoke', id!, '--org', org.orgId, '--database-url', t.url])).code).toBe(1);
    expect((await feedback(['tokens', 'list', '--org', org.orgId, '--email', email(), '--database-url', t.url])).stdout).toContain('\trevoked\t');
  }, 60_000);

  it('revokes every live token of a user at once', async () => {
    const resolver = databaseTokenResolver(t.db);
    const a = (await feedback(['tokens', 'issue', '--org', org.orgId, '--email', email(), '--database-url', t.url])).stdout.trim();
    const b = (await feedback(['tokens', 'issue', '--org', org.orgId, '--email', email(), '--database-url', t.url])).stdout.trim();
    const r = await feedback(['tokens', 'revoke', '--org', org.orgId, '--email', email(), '--database-url', t.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Revoked 2 live token/);
    expect(await resolver.resolve(a)).toBeNull();
    expect(await resolver.resolve(b)).toBeNull();
  }, 60_000);

  it('refuses bad usage with exit code 2 and unknown orgs or users with 1', async () => {
    expect((await feedback(['tokens', 'issue', '--org', org.orgId, '--database-url', t.url])).code).toBe(2);
    expect((await feedback(['tokens', 'issue', '--org', org.orgId, '--email', email(), '--days', '9999', '--database-url', t.url])).code).toBe(2);
    expect((await feedback(['tokens', 'revoke', 'x', '--org', org.orgId, '--email', email(), '--database-url', t.url])).code).toBe(2);
    expect((await feedback(['tokens', 'issue', '--org', 'No Such Clinic', '--email', email(), '--database-url', t.url])).code).toBe(1);
    expect((await feedback(['tokens', 'issue', '--org', org.orgId, '--email', 'nobody@example.test', '--database-url', t.url])).code).toBe(1);
  }, 60_000);
});

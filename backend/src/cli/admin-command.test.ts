import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { addSignInLink } from '../db/repositories/sign-in-links';
import { listAuditEvents } from '../db/repositories/audit';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

function feedback(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/feedback.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.once('exit', (code) => r({ code, stdout, stderr })));
}

const get = async (url: string, token?: string) => {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('feedback admin create-org', () => {
  it('creates the org and its org_admin, and prints a one-time expiring link whose redemption signs the admin in once', async () => {
    const out = await feedback(['admin', 'create-org', '--name', 'St. Example Clinic', '--admin-email', 'Head@Example.org', '--public-url', h.url, '--database-url', h.tdb.url], { FE_KEK_FILE: h.tdb.kekFile, FE_AUDIT_HEAD_DIR: h.tdb.auditHeadDir, FE_SIGN_IN_LINK_TTL_SEC: '3600' });
    expect(out.code, out.stderr).toBe(0);
    const link = out.stdout.trim();
    expect(link).toMatch(new RegExp(`^${h.url}/v1/auth/sign-in-link\\?token=[0-9a-f-]{36}\\.[A-Za-z0-9_-]{43}$`));
    expect(out.stderr).toMatch(/expires at (\S+)/);
    const expiresAt = Date.parse(/expires at (\S+?);/.exec(out.stderr)![1]!);
    expect(Math.round((expiresAt - Date.now()) / 60_000)).toBe(60);

    const first = await get(link);
    expect(first.status).toBe(200);
    const identity = first.json.identity as { orgId: string; userId: string; email: string; roles: string[] };
    expect(identity.email).toBe('head@example.org');
    expect(identity.roles).toEqual(['org_admin']);
    const me = await get(`${h.url}/v1/me`, first.json.token as string);
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ orgName: 'St. Example Clinic', userId: identity.userId, roles: ['org_admin'] });

    // Spent by the first redemption.
    const again = await get(link);
    expect(again.status).toBe(401);
    expect(again.json.code).toBe('auth.sign_in_link_invalid');

    const actions = (await h.tdb.db.withOrg(identity.orgId, (tx) => listAuditEvents(tx))).map((e) => e.action);
    expect(actions).toEqual(['org.created', 'auth.sign_in_link_issued', 'auth.signed_in']);
  });

  it('refuses an expired link, a forged one and one whose org prefix was changed', async () => {
    const admin = await h.user('org_admin');
    const expired = `${admin.orgId}.${'a'.repeat(43)}`;
    await h.tdb.db.withOrg(admin.orgId, (tx) => addSignInLink(tx, { token: expired, userId: admin.userId, expiresAt: new Date(Date.now() - 1000) }));
    const other = await h.user('org_admin');
    for (const token of [expired, `${admin.orgId}.${'b'.repeat(43)}`, `${other.orgId}.${'a'.repeat(43)}`, 'not-a-link']) {
      const r = await get(`${h.url}/v1/auth/sign-in-link?token=${token}`);
      expect([r.status, r.json.code], token).toEqual([401, 'auth.sign_in_link_invalid']);
    }
  });

  it('refuses a usage error with exit code 2', async () => {
    const out = await feedback(['admin', 'create-org', '--name', 'X', '--admin-email', 'not-an-email']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--admin-email');
  });
});

describe('feedback admin scim-credential and saml-idp', () => {
  it('mints a SCIM credential the SCIM endpoint accepts, and imports IdP metadata into the org\'s SAML configuration', async () => {
    const { startSamlTestIdp, testSpKeys } = await import('../testing/saml-test-idp');
    const { getSamlProvider } = await import('../db/repositories/saml');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const admin = await h.user('org_admin');
    const env = { FE_KEK_FILE: h.tdb.kekFile, FE_AUDIT_HEAD_DIR: h.tdb.auditHeadDir };
    const scim = await feedback(['admin', 'scim-credential', '--org', admin.orgId, '--role-map', 'FE Admins=org_admin', '--database-url', h.tdb.url], env);
    expect(scim.code, scim.stderr).toBe(0);
    const credential = scim.stdout.trim();
    expect((await fetch(`${h.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${credential}` } })).status).toBe(200);

    const idp = await startSamlTestIdp((await testSpKeys()).cert);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'fe-idp-')), 'idp.xml');
    writeFileSync(file, idp.metadata());
    const saml = await feedback(['admin', 'saml-idp', '--org', admin.orgId, '--metadata-file', file, '--domains', 'Clinic.Example', '--role-map', 'fe-supervisors=supervisor', '--default-role', 'clinician', '--public-url', h.url, '--database-url', h.tdb.url], env);
    expect(saml.code, saml.stderr).toBe(0);
    expect(saml.stdout.trim()).toBe(`${h.url}/v1/auth/saml/${admin.orgId}/metadata`);
    const p = await h.tdb.db.withOrg(admin.orgId, (tx) => getSamlProvider(tx));
    expect(p).toMatchObject({ idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl, allowedDomains: ['clinic.example'], roleMap: { 'fe-supervisors': 'supervisor' }, defaultRole: 'clinician', roleAttribute: 'groups' });
    expect(p!.idpCerts[0]!.replace(/\s/g, '')).toBe(idp.keys.cert.replace(/\s/g, ''));
  });
});

describe('feedback admin session-lifetimes', () => {
  it('sets the org\'s desktop lifetimes (audited), which the next desktop sign-in uses; an out-of-range value is a usage error', async () => {
    const admin = await h.user('org_admin');
    const env = { FE_KEK_FILE: h.tdb.kekFile, FE_AUDIT_HEAD_DIR: h.tdb.auditHeadDir };
    const out = await feedback(['admin', 'session-lifetimes', '--org', admin.orgId, '--access-sec', '300', '--idle-sec', '3600', '--database-url', h.tdb.url], env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/access 300 s, idle 3600 s, absolute \d+ s \(default\)/);
    const t = await h.tdb.db.withOrg(admin.orgId, (tx) => h.desktopSessions.start(tx, { userId: admin.userId }));
    expect(Math.round((Date.parse(t.accessExpiresAt) - Date.now()) / 1000)).toBe(300);
    expect(Math.round((Date.parse(t.refreshExpiresAt) - Date.now()) / 1000)).toBe(3600);
    const audit = await h.tdb.db.withOrg(admin.orgId, (tx) => listAuditEvents(tx));
    expect(audit.find((e) => e.action === 'auth.session_lifetimes_set')?.data).toEqual({ accessTtlSec: 300, refreshIdleSec: 3600, refreshAbsoluteSec: null });
    const bad = await feedback(['admin', 'session-lifetimes', '--org', admin.orgId, '--access-sec', '30', '--database-url', h.tdb.url], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--access-sec must be a whole number of seconds from 60 to 86400');
  });
});

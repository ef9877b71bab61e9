import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { managedFields, policyFromValues } from './managed-policy';
import { parseRegQuery, readLinuxPolicy, readMacPolicy, readWindowsPolicy, WINDOWS_POLICY_KEYS } from './policy-sources';

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
const text = (name: string) => readFileSync(fixture(name), 'utf8');

describe('managed policy: Windows registry (recorded `reg query` output)', () => {
  it('parses REG_SZ and REG_DWORD values', () => {
    expect(parseRegQuery(text('reg-query-hklm.txt'))).toEqual({ BackendUrl: 'https://feedback.example-hospital.org', OrgId: '3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f809a1b', UpdateChannel: '1.4.2', AutoUpdate: 0, LocalDraft: 1, ProxyServer: 'http://proxy.example-hospital.org:3128', IdentityProvider: 'saml' });
  });

  it('machine policy beats user policy; the user policy fills the rest; unknown values are reported', async () => {
    const r = await readWindowsPolicy(async (key) => (key === WINDOWS_POLICY_KEYS[0] ? text('reg-query-hklm.txt') : text('reg-query-hkcu.txt')));
    expect(r.policy).toEqual({ backendUrl: 'https://feedback.example-hospital.org', orgId: '3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f809a1b', updateChannel: '1.4.2', autoUpdate: false, localDraft: true, proxy: 'http://proxy.example-hospital.org:3128', identityProvider: 'saml' });
    expect(r.source).toBe('HKLM\\Software\\Policies\\FeedbackEvaluation');
    expect(r.problems).toEqual([expect.objectContaining({ key: 'Colour', code: 'policy.invalid' })]);
  });

  it('no key at all is no policy', async () => {
    expect(await readWindowsPolicy(async () => null)).toEqual({ policy: {}, source: null, problems: [] });
  });
});

describe('managed policy: macOS managed preferences', () => {
  it('reads the plist a configuration profile leaves', async () => {
    const r = await readMacPolicy(fixture('managed-preferences.plist'));
    expect(r.policy).toEqual({ backendUrl: 'https://feedback.example-hospital.org', updateChannel: 'stable', autoUpdate: true, localDraft: false, proxy: 'system' });
    // PayloadUUID is profile bookkeeping, not a setting; Colour is a key nobody defined.
    expect(r.problems.map((p) => p.key)).toEqual(['Colour']);
    expect(managedFields(r.policy).sort()).toEqual(['autoUpdate', 'backendUrl', 'localDraft', 'proxy', 'updateChannel']);
  });

  it('a missing plist is no policy; a broken one is a problem, not a crash', async () => {
    expect((await readMacPolicy('/nonexistent/x.plist')).source).toBeNull();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-policy-'));
    writeFileSync(path.join(dir, 'bad.plist'), '<plist><dict><key>BackendUrl</key>');
    const r = await readMacPolicy(path.join(dir, 'bad.plist'));
    expect(r.policy).toEqual({});
    expect(r.problems[0]?.code).toBe('policy.invalid');
  });
});

describe('managed policy: Linux policy file', () => {
  it('reads the JSON file and refuses a backend that is not https off this machine', async () => {
    const r = await readLinuxPolicy(fixture('policy.json'));
    expect(r.policy).toEqual({ identityProvider: 'oidc', updateChannel: 'beta', localDraft: false, proxy: 'direct' });
    expect(r.problems).toEqual([expect.objectContaining({ key: 'BackendUrl', code: 'policy.invalid' })]);
  });
});

describe('managed policy values', () => {
  it('refuses values of the wrong kind with the key named', () => {
    const r = policyFromValues({ UpdateChannel: 'nightly', AutoUpdate: 'maybe', OrgId: 'acme', ProxyServer: 'ftp://x' }, null);
    expect(r.policy).toEqual({});
    expect(r.problems.map((p) => p.key).sort()).toEqual(['AutoUpdate', 'OrgId', 'ProxyServer', 'UpdateChannel']);
  });
});

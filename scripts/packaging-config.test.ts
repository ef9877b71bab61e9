import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../backend/src/paths';
import { POLICY_KEYS } from '../main/features/policy/managed-policy';
import { parseManagedPlist } from '../main/features/policy/policy-sources';

const require = createRequire(import.meta.url);
type Cfg = Record<string, Record<string, unknown> & { target?: unknown }>;
const config = parse(readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as Cfg;
const targets = (p: string) => ((config[p]?.target ?? []) as (string | { target: string })[]).map((t) => (typeof t === 'string' ? t : t.target));
const msiHook = require(path.join(repoRoot, 'resources/build/msi-policy-properties.cjs')) as { addPolicyProperties(wxs: string): string; PROPERTIES: { property: string; name: string; type: string }[] };
const notarizeHook = require(path.join(repoRoot, 'resources/build/notarize.cjs')) as { notarizeOptions(ctx: unknown, env: Record<string, string>): Record<string, string> | null };

describe('packaging for IT (electron-builder.yml)', () => {
  it('builds a per-machine MSI with a fixed upgrade code, NSIS, DMG + zip, AppImage + deb', () => {
    expect(targets('win')).toEqual(['msi', 'nsis']);
    expect(config.msi).toMatchObject({ perMachine: true, oneClick: false, upgradeCode: expect.stringMatching(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/) });
    expect(targets('mac')).toEqual(['dmg', 'zip']);
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(config.mac).toMatchObject({ hardenedRuntime: true, entitlements: 'resources/build/entitlements.mac.plist' });
    expect((config.mac?.extendInfo as Record<string, string>).NSMicrophoneUsageDescription).toBeTruthy();
    expect((config as Record<string, unknown>).afterSign).toBe('resources/build/notarize.cjs');
  });

  it('keeps the update signature check on: a publisher name for Windows, a publish config so app-update.yml is written', () => {
    // electron-updater's NsisUpdater skips the Authenticode check when app-update.yml has no
    // publisherName (or there is no app-update.yml); electron-builder writes both from these.
    // publisherName must equal the CN of the certificate in WIN_CSC_LINK (docs/it-guide.md).
    expect(config.win?.verifyUpdateCodeSignature).not.toBe(false);
    expect((config.win?.signtoolOptions as { publisherName?: string[] }).publisherName).toEqual([expect.stringMatching(/\S/)]);
    expect((config as Record<string, unknown>).publish).toMatchObject({ provider: 'generic' });
    // macOS: Squirrel.Mac installs only an update signed with the running app's designated requirement.
    expect(config.mac?.identity).not.toBeNull();
  });

  it('holds no signing secret: certificates and passwords come from the environment only', () => {
    const text = readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8');
    for (const key of ['certificateFile', 'certificatePassword', 'cscLink', 'cscKeyPassword', 'appleIdPassword', 'identity:']) expect(text).not.toContain(key);
  });

  it('grants the microphone under the hardened runtime', () => {
    const ent = parseManagedPlist(readFileSync(path.join(repoRoot, 'resources/build/entitlements.mac.plist'), 'utf8'));
    expect(ent['com.apple.security.device.audio-input']).toBe(true);
    expect(Object.values(ent).every((v) => v === true)).toBe(true);
  });
});

describe('MSI properties → machine policy (msiProjectCreated hook)', () => {
  const wxs = '<?xml version="1.0"?><Wix xmlns="http://schemas.microsoft.com/wix/2006/wi"><Product Id="*" Name="Feedback Evaluation"><Package InstallScope="perMachine"/><Directory Id="TARGETDIR" Name="SourceDir"/></Product></Wix>';
  const out = msiHook.addPolicyProperties(wxs);

  it('declares every property and writes each, only when given, under HKLM\\Software\\Policies\\FeedbackEvaluation', () => {
    for (const p of msiHook.PROPERTIES) {
      expect(out).toContain(`<Property Id="${p.property}" Secure="yes" />`);
      expect(out).toContain(`<Condition><![CDATA[${p.property}]]></Condition>`);
      expect(out).toContain(`Root="HKLM" Key="Software\\Policies\\FeedbackEvaluation" Name="${p.name}"`);
    }
    expect(msiHook.PROPERTIES.map((p) => p.property)).toEqual(expect.arrayContaining(['BACKEND_URL', 'UPDATE_CHANNEL']));
  });

  it('has a property for every key the policy reader knows, of its kind, and keeps the project well-formed', () => {
    expect(msiHook.PROPERTIES.map((p) => p.name).sort()).toEqual(Object.keys(POLICY_KEYS).sort());
    for (const p of msiHook.PROPERTIES as { name: keyof typeof POLICY_KEYS; type: string }[]) expect(p.type, p.name).toBe(POLICY_KEYS[p.name].kind === 'boolean' ? 'integer' : 'string');
    const { DOMParser } = require('@xmldom/xmldom') as { DOMParser: new (o: { errorHandler: Record<string, (m: string) => void> }) => { parseFromString(x: string, t: string): unknown } };
    const errors: string[] = [];
    new DOMParser({ errorHandler: { warning: (m) => void errors.push(m), error: (m) => void errors.push(m), fatalError: (m) => void errors.push(m) } }).parseFromString(out, 'text/xml');
    expect(errors).toEqual([]);
    expect(() => msiHook.addPolicyProperties('<Wix/>')).toThrow(/no <Product>/);
  });
});

describe('notarization hook', () => {
  const ctx = { electronPlatformName: 'darwin', appOutDir: '/out/mac-universal', packager: { appInfo: { productFilename: 'Feedback Evaluation' } } };
  it('notarizes the signed .app with the credentials from the environment', () => {
    expect(notarizeHook.notarizeOptions(ctx, { APPLE_ID: 'ci@example.org', APPLE_APP_SPECIFIC_PASSWORD: 'abcd-efgh', APPLE_TEAM_ID: 'TEAM123456' })).toEqual({ appPath: '/out/mac-universal/Feedback Evaluation.app', appleId: 'ci@example.org', appleIdPassword: 'abcd-efgh', teamId: 'TEAM123456' });
  });
  it('skips a local build without credentials, but a release build (FE_REQUIRE_NOTARIZE=1) fails', () => {
    expect(notarizeHook.notarizeOptions(ctx, {})).toBeNull();
    expect(notarizeHook.notarizeOptions({ ...ctx, electronPlatformName: 'win32' }, { FE_REQUIRE_NOTARIZE: '1' })).toBeNull();
    expect(() => notarizeHook.notarizeOptions(ctx, { FE_REQUIRE_NOTARIZE: '1' })).toThrow(/APPLE_ID/);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../app/contracts/errors';
import { configKeys } from '../../../backend/src/config';
import { repoRoot } from '../../../backend/src/paths';
import { updateErrorCode } from '../update/update-state';
import { POLICY_KEYS, policyFromValues } from './managed-policy';
import { LINUX_POLICY_FILE, WINDOWS_POLICY_KEYS, macPolicyFile, parseRegQuery } from './policy-sources';

/**
 * docs/it-guide.md against the code: every policy key, registry path, policy file, environment
 * variable, MSI property, error code, release flag and quoted updater message the guide shows in
 * code (inline spans and fenced blocks) must be one the code has. The guide is checked as text
 * IT copies, so the test reads what a reader would copy.
 */
const read = (p: string) => readFileSync(path.join(repoRoot, p), 'utf8');
const guide = read('docs/it-guide.md');

/** Fenced blocks and inline code spans (a span may wrap over a line; its whitespace is collapsed). */
function codeOf(markdown: string): { blocks: string[]; spans: string[] } {
  const blocks: string[] = [];
  const prose = markdown.replace(/^```[^\n]*\n([\s\S]*?)^```$/gm, (_, body: string) => {
    blocks.push(body);
    return '';
  });
  const spans = [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\s+/g, ' ').trim());
  return { blocks, spans };
}

const FILE_EXTENSIONS = new Set(['json', 'yml', 'yaml', 'ts', 'cjs', 'js', 'md', 'plist', 'msi', 'exe', 'dmg', 'deb', 'zip', 'log', 'admx', 'adml', 'mobileconfig', 'org', 'app', 'blockmap', 'pfx']);
const namespaces = new Set(ErrorCode.options.map((c) => c.split('.')[0]!));
/** Dotted names that read as error codes: a known code namespace, or any `a.b_c`; never a file name or part of a host or path. */
function errorCodesIn(text: string): string[] {
  return [...text.matchAll(/(?<![\w./@-])([a-z]+)\.([a-z]+(?:_[a-z]+)*)(?![\w./-])/g)]
    .filter(([, ns, rest]) => !FILE_EXTENSIONS.has(rest!) && (namespaces.has(ns!) || rest!.includes('_')))
    .map((m) => m[0]);
}

const builder = parseYaml(read('electron-builder.yml')) as { appId: string; win: { signtoolOptions: { publisherName: string[] } } };
const msiProperties = (createRequire(import.meta.url)(path.join(repoRoot, 'resources/build/msi-policy-properties.cjs')) as { PROPERTIES: { property: string }[] }).PROPERTIES.map((p) => p.property);
/** Variables read outside the backend's config schema: the desktop's own, and the build's (hooks, workflow). */
const envSources = ['main/desktop-config.ts', '.github/workflows/release.yml', 'electron-builder.yml', ...readdirSync(path.join(repoRoot, 'resources/build')).filter((f) => f.endsWith('.cjs')).map((f) => `resources/build/${f}`)].map(read).join('\n');
const REGISTRY_WORDS = new Set(['HKEY_LOCAL_MACHINE', 'HKEY_CURRENT_USER', 'REG_SZ', 'REG_DWORD']);

/** Each upper-case NAME_WITH_UNDERSCORES in code that none of the code's sources knows. */
function unknownEnvNames(text: string): string[] {
  const configEnvs = Object.values(configKeys).map((k) => k.env as string);
  return [...new Set([...text.matchAll(/\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(_\*)?/g)].map((m) => m[0]))].filter((name) => {
    if (name.endsWith('_*')) return !configEnvs.some((e) => e.startsWith(name.slice(0, -1)));
    if (configEnvs.includes(name) || msiProperties.includes(name) || REGISTRY_WORDS.has(name)) return false;
    return !new RegExp(`\\b${name}\\b`).test(envSources);
  });
}

const { blocks, spans } = codeOf(guide);
const code = [...blocks, ...spans].join('\n');

describe('IT guide against the code (docs/it-guide.md)', () => {
  it('names only error codes the app has, and the ones a failed step shows', () => {
    const named = [...new Set(errorCodesIn(code))];
    expect(named.filter((c) => !(ErrorCode.options as readonly string[]).includes(c))).toEqual([]);
    for (const c of ['update.not_found', 'update.manifest_invalid', 'update.check_failed', 'update.download_failed', 'update.signature_invalid', 'policy.invalid']) expect(named, c).toContain(c);
  });

  it('names only environment variables and MSI properties the code reads', () => {
    expect(unknownEnvNames(code)).toEqual([]);
    for (const e of ['FE_UPDATES_MANIFEST_FILE', 'FE_UPDATES_ARTEFACTS_DIR', 'FE_UPDATES_ARTEFACTS_URL']) expect(code, e).toContain(e);
  });

  it('names only the registry keys the reader queries, and its recorded reg query output parses to valid policy', () => {
    const keys = [...guide.matchAll(/\b(HKLM|HKCU|HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER)\\[A-Za-z\\]+[A-Za-z]/g)].map((m) => m[0].replace('HKEY_LOCAL_MACHINE', 'HKLM').replace('HKEY_CURRENT_USER', 'HKCU'));
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !(WINDOWS_POLICY_KEYS as readonly string[]).includes(k))).toEqual([]);
    const outputs = blocks.filter((b) => /REG_[A-Z]+/.test(b));
    expect(outputs.length, 'a reg query output in the guide').toBeGreaterThan(0);
    for (const out of outputs) {
      const values = parseRegQuery(out);
      expect(Object.keys(values).length).toBeGreaterThan(0);
      expect(policyFromValues(values, null).problems).toEqual([]);
    }
  });

  it('names only policy keys the reader knows, with values it accepts', () => {
    const named = spans.map((s) => /^([A-Z][a-z]+(?:[A-Z][a-z]*)+)(?:\s*=\s*(.+))?$/.exec(s)).filter((m) => m !== null);
    expect(named.length).toBeGreaterThan(0);
    for (const [, key, value] of named) {
      expect(Object.keys(POLICY_KEYS), key).toContain(key);
      if (value !== undefined) expect(policyFromValues({ [key!]: value }, null).problems, `${key}=${value}`).toEqual([]);
    }
    // JSON objects with a PascalCase key are policy files (policy.json): each must read without a problem.
    const objects = [...code.matchAll(/\{[^{}]*\}/g)].flatMap((m) => {
      try {
        const v: unknown = JSON.parse(m[0]);
        return v && typeof v === 'object' && Object.keys(v).some((k) => /^[A-Z]/.test(k)) ? [v as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(policyFromValues(o, null).problems, JSON.stringify(o)).toEqual([]);
  });

  it('names the policy files and the bundle id the app reads', () => {
    for (const [, file] of guide.matchAll(/(\/etc\/feedback-evaluation\/[\w.-]+)/g)) expect(file).toBe(LINUX_POLICY_FILE);
    for (const [, file] of guide.matchAll(/(\/Library\/Managed Preferences\/[\w.-]+\.plist)/g)) expect(file).toBe(macPolicyFile(builder.appId));
    const ids = [...guide.matchAll(/\borg\.feedback-evaluation\.[a-z]+\b/g)].map((m) => m[0]);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids)).toEqual(new Set([builder.appId]));
    // The id the app looks its policy up with (main/index.ts) is the one the package is signed with.
    expect(read('main/index.ts')).toContain(`readManagedPolicy(process.platform, '${builder.appId}')`);
  });

  it('quotes the Windows publisher check as electron-updater and the app see it', () => {
    const publishers = builder.win.signtoolOptions.publisherName;
    const cns = [...code.matchAll(/CN=([^",`\n]+)/g)].map((m) => m[1]!.trim());
    expect(cns).toContain(publishers[0]);
    const refusal = /New version [\d.]+ is not signed by the application owner: publisherNames: [^`]+/.exec(code)?.[0];
    expect(refusal, 'the refusal the negative test shows').toBeDefined();
    expect(refusal).toContain(`publisherNames: ${publishers.join(' | ')}`);
    const updater = ['NsisUpdater.js', 'windowsExecutableCodeSignatureVerifier.js'].map((f) => readFileSync(path.join(repoRoot, 'node_modules/electron-updater/out', f), 'utf8')).join('\n');
    expect(updater).toContain('is not signed by the application owner: ');
    expect(updater).toContain('publisherNames: ${publisherNames.join(" | ")}');
    expect(updater).toContain('Ignoring signature validation');
    expect(code).toContain('Ignoring signature validation');
    expect(updateErrorCode(refusal!, 'downloading')).toBe('update.signature_invalid');
  });

  it('quotes the app\'s log lines as main/index.ts writes them', () => {
    const entry = read('main/index.ts');
    const quoted = spans.filter((s) => s.startsWith('[main] '));
    expect(quoted.length).toBeGreaterThan(1);
    for (const q of quoted) {
      const [, topic, first] = /^\[main\] (\w+) (\S+)/.exec(q) ?? [];
      expect(entry, q).toContain(`[main] ${topic} \${`);
      // `[main] update <code>: …` names a real code; `[main] policy <Key>: …` a placeholder or a key.
      const name = first?.replace(/:$/, '');
      if (topic === 'update' && name !== '<code>') expect(ErrorCode.options as readonly string[], q).toContain(name);
    }
  });

  it('runs the release script only with flags it has, and quotes its output as it prints it', () => {
    const source = read('scripts/release.ts');
    const options = new Set([...source.matchAll(/'?([a-z-]+)'?: \{ type: '(?:string|boolean)'/g)].map((m) => m[1]));
    const calls = code.split('\n').filter((l) => l.includes('scripts/release.ts'));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) for (const [, flag] of call.matchAll(/--([a-z-]+)/g)) expect([...options], `--${flag} in: ${call}`).toContain(flag);
    // `release ${version}: ${count} artefacts, …` as a pattern of what it prints.
    const template = /console\.log\(`(release \$\{version\}[^`]+)`\)/.exec(source)?.[1];
    expect(template).toBeDefined();
    const printed = new RegExp(`^${template!.replace(/[.*+?^()|[\]\\]/g, '\\$&').replace(/\\?\$\{[^}]+\}/g, '.+')}$`);
    const quoted = spans.filter((s) => s.startsWith('release '));
    expect(quoted.length).toBeGreaterThan(0);
    for (const q of quoted) expect(q).toMatch(printed);
    expect(source).toContain('No installers of ${version} in ');
  });
});

describe('the guide checks themselves', () => {
  it('catch a made-up error code, environment variable, registry key and policy key', () => {
    expect(errorCodesIn('shows `update.signature_wrong` or update.not_found, reads policy.json at example.org')).toEqual(['update.signature_wrong', 'update.not_found']);
    expect(unknownEnvNames('FE_UPDATES_MANIFEST_FILE=x FE_UPDATES_FEED_FILE=y BACKEND_URL=z BACKEND_URI=w WIN_CSC_LINK FE_RETENTION_* FE_NOPE_*')).toEqual(['FE_UPDATES_FEED_FILE', 'BACKEND_URI', 'FE_NOPE_*']);
    expect(codeOf('a `x\n y` b\n```sh\nrun `z`\n```\n').spans).toEqual(['x y']);
  });
});

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../app/contracts/errors';
import { defaultDataDir } from '../../paths';
import type { PolicyEngine, PolicyInput } from '../gateway-contracts';
import { loadPolicyEngine, toPolicyDecision } from './opa-policy';
import { ensurePolicyBundle, runRegoTests } from './policy-build';
import { defaultPolicySourcesDir, readPolicySources } from './policy-sources';
import { readLlmManifest } from '../../llm/llm-manifest';

// The real Rego, compiled by OPA's Go packages into the real wasm the gateway loads.
const build = { dataDir: defaultDataDir, pathEnv: process.env.PATH ?? '' };
let engine: PolicyEngine;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'fe-policy-'));
  const bundle = await ensurePolicyBundle(build);
  engine = await loadPolicyEngine({ bundleDir: bundle.bundleDir });
}, 900_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const rubricCall: PolicyInput = {
  orgId: '11111111-1111-4111-8111-111111111111',
  role: 'service',
  purpose: 'rubric_analysis',
  kind: 'chat',
  model: 'qwen2.5-coder-1.5b-instruct',
  provider: { id: 'embedded', kind: 'local', region: 'local' },
  maxTokens: null,
  redactionAvailable: true,
};
const transcriptionCall: PolicyInput = { ...rubricCall, purpose: 'transcription', kind: 'stt', model: 'whisper-tiny.en', redactionAvailable: false };
const openaiEu = { id: 'openai-eu', kind: 'openai', region: 'eu' } as const;

describe('gateway policy (OPA wasm)', () => {
  it('allows the embedded model for rubric analysis from a service credential, unredacted, with its limits', () => {
    expect(engine.decide(rubricCall)).toEqual({ allow: true, reasons: [], redact: false, restoreKinds: ['PERSON'], maxTokens: 4096, version: engine.version });
  });

  it('allows the embedded whisper model for transcription and restores nothing', () => {
    const d = engine.decide(transcriptionCall);
    expect(d).toMatchObject({ allow: true, redact: false, restoreKinds: [] });
  });

  it('denies a model that is not on the purpose allow-list, naming model and purpose', () => {
    const d = engine.decide({ ...rubricCall, model: 'gpt-4o' });
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual(['model gpt-4o is not allowed for purpose rubric_analysis']);
  });

  it('denies a model of the other kind (an STT model for a chat purpose)', () => {
    expect(engine.decide({ ...rubricCall, model: 'whisper-tiny.en' }).reasons).toEqual(['model whisper-tiny.en is not allowed for purpose rubric_analysis']);
    expect(engine.decide({ ...transcriptionCall, kind: 'chat' }).reasons).toEqual(['purpose transcription serves stt calls, not chat']);
  });

  it('denies an unknown purpose', () => {
    const d = engine.decide({ ...rubricCall, purpose: 'marketing' });
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual([`purpose marketing is not enabled for org ${rubricCall.orgId}`]);
  });

  it('denies a provider whose region is not allowed', () => {
    const d = engine.decide({ ...rubricCall, provider: { id: 'apac', kind: 'local', region: 'ap-southeast' } });
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual(['provider apac is in region ap-southeast, outside the allowed regions (local, eu, us)']);
  });

  it('denies a role the purpose does not allow, and auditors always', () => {
    expect(engine.decide({ ...rubricCall, role: 'supervisor' }).reasons).toEqual(['role supervisor may not call purpose rubric_analysis']);
    // Calls made for the session's clinician or an org admin decide with their role (X-FE-User).
    expect(engine.decide({ ...rubricCall, role: 'clinician' }).allow).toBe(true);
    expect(engine.decide({ ...transcriptionCall, role: 'supervisor' }).allow).toBe(false);
    const listed = { purposes: { rubric_analysis: { roles: ['service', 'auditor'] } } };
    expect(engine.decide({ ...rubricCall, role: 'auditor' }, listed).reasons).toEqual(['role auditor is read-only and may not call AI providers']);
  });

  it('refuses max_tokens above the purpose limit and accepts it at the limit or unset', () => {
    const over = engine.decide({ ...rubricCall, maxTokens: 4097 });
    expect(over.allow).toBe(false);
    expect(over.reasons).toEqual(['max_tokens 4097 exceeds the limit 4096 for purpose rubric_analysis']);
    expect(over.maxTokens).toBe(4096);
    expect(engine.decide({ ...rubricCall, maxTokens: 4096 }).allow).toBe(true);
    expect(engine.decide({ ...rubricCall, maxTokens: null })).toMatchObject({ allow: true, maxTokens: 4096 });
  });

  it('requires redaction for every remote provider kind and not for the local one', () => {
    for (const kind of ['openai', 'azure-openai', 'anthropic', 'openai-compatible'] as const) {
      expect(engine.decide({ ...rubricCall, provider: { id: kind, kind, region: 'eu' } })).toMatchObject({ allow: true, redact: true });
    }
    expect(engine.decide(rubricCall).redact).toBe(false);
  });

  it('denies raw audio to a remote provider unless the org opts in for the purpose', () => {
    const remote = { ...transcriptionCall, provider: openaiEu };
    expect(engine.decide(remote).reasons).toEqual(['PHI redaction is required for provider openai-eu but this call cannot be redacted']);
    expect(engine.decide(remote, { purposes: { transcription: { allow_unredacted: true } } })).toMatchObject({ allow: true, redact: true });
  });

  it('allows every embedded model of the LLM manifest for rubric analysis, so FE_LLM_MODEL can pick any of them', () => {
    for (const m of readLlmManifest().models) expect(engine.decide({ ...rubricCall, model: m.id })).toMatchObject({ allow: true, reasons: [] });
    expect(engine.decide({ ...rubricCall, model: 'llama3.1-8b' }).allow).toBe(false);
  });

  it('lets an org add a model to a purpose (its list replaces the default)', () => {
    const settings = { purposes: { rubric_analysis: { models: ['qwen2.5-coder-1.5b-instruct', 'gpt-4o-mini'] } } };
    expect(engine.decide({ ...rubricCall, model: 'gpt-4o-mini', provider: openaiEu }, settings)).toMatchObject({ allow: true, redact: true, maxTokens: 4096 });
    expect(engine.decide({ ...rubricCall, model: 'gpt-4o-mini', provider: openaiEu }).allow).toBe(false);
  });

  it('lets an org narrow the regions', () => {
    const settings = { allowed_regions: ['local', 'eu'] };
    expect(engine.decide({ ...rubricCall, provider: { id: 'openai-us', kind: 'openai', region: 'us' } }, settings).reasons).toEqual([
      'provider openai-us is in region us, outside the allowed regions (local, eu)',
    ]);
    expect(engine.decide({ ...rubricCall, provider: openaiEu }, settings).allow).toBe(true);
  });

  it('lets an org enable a purpose for clinicians and switch one off with null', () => {
    const settings = { purposes: { draft_assist: { kind: 'chat', models: ['qwen2.5-coder-1.5b-instruct'], roles: ['clinician'], max_tokens: 512 }, transcription: null } };
    expect(engine.decide({ ...rubricCall, role: 'clinician', purpose: 'draft_assist' }, settings)).toMatchObject({ allow: true, maxTokens: 512, restoreKinds: [] });
    expect(engine.decide({ ...rubricCall, role: 'clinician', purpose: 'draft_assist' }).allow).toBe(false);
    expect(engine.decide(transcriptionCall, settings).reasons).toEqual([`purpose transcription is not enabled for org ${rubricCall.orgId}`]);
  });

  it('lets an org make redaction stricter but not exempt a remote provider kind', () => {
    expect(engine.decide(rubricCall, { redaction: { always: true } }).redact).toBe(true);
    expect(engine.decide({ ...rubricCall, provider: openaiEu }, { redaction: { exempt_provider_kinds: ['local', 'openai'], always: false } }).redact).toBe(true);
  });

  it('fails closed on an incomplete input', () => {
    const d = engine.decide({ purpose: 'rubric_analysis' } as unknown as PolicyInput);
    expect(d.allow).toBe(false);
    expect(d.reasons).toContain('input field role is missing or not a string');
    expect(d.reasons).toContain('input field provider.region is missing or not a string');
  });

  it('turns a missing or malformed policy answer into a denial', () => {
    expect(toPolicyDecision(undefined, 'v')).toMatchObject({ allow: false, reasons: ['policy v gave no decision'] });
    expect(toPolicyDecision({ allow: 'yes' }, 'v').allow).toBe(false);
  });

  it('passes its Rego unit tests under OPA\'s own test runner', async () => {
    const r = await runRegoTests(build);
    expect(r.failed, r.output).toBe(0);
    expect(r.passed).toBeGreaterThanOrEqual(8);
  });
});

describe('policy bundle version', () => {
  function copySources(name: string): string {
    const dir = path.join(scratch, name);
    cpSync(defaultPolicySourcesDir, dir, { recursive: true });
    return dir;
  }

  it('is the same for the same sources, and reported by the engine and each decision', async () => {
    const src = copySources('same');
    const a = await ensurePolicyBundle({ ...build, sourcesDir: src, outDir: path.join(scratch, 'same-a') });
    const b = await ensurePolicyBundle({ ...build, sourcesDir: src, outDir: path.join(scratch, 'same-b') });
    expect(a.version).toBe(b.version);
    expect(a.version).toBe(readPolicySources(defaultPolicySourcesDir).version);
    expect(a.version).toMatch(/^1\.1\.0\+[0-9a-f]{12}$/);
    expect(engine.version).toBe(a.version);
    expect(engine.decide(rubricCall).version).toBe(a.version);
  });

  it('is not rebuilt when the sources are unchanged', async () => {
    const src = copySources('again');
    const out = path.join(scratch, 'again-out');
    expect((await ensurePolicyBundle({ ...build, sourcesDir: src, outDir: out })).built).toBe(true);
    expect((await ensurePolicyBundle({ ...build, sourcesDir: src, outDir: out })).built).toBe(false);
  });

  it('changes when a .rego file changes, and not when only a Rego test changes', async () => {
    const src = copySources('changed');
    const before = readPolicySources(src).version;
    writeFileSync(path.join(src, 'gateway_test.rego'), `${readFileSync(path.join(src, 'gateway_test.rego'), 'utf8')}\n# a comment\n`);
    expect(readPolicySources(src).version).toBe(before);
    writeFileSync(path.join(src, 'gateway.rego'), `${readFileSync(path.join(src, 'gateway.rego'), 'utf8')}\n# a comment\n`);
    const built = await ensurePolicyBundle({ ...build, sourcesDir: src, outDir: path.join(scratch, 'changed-out') });
    expect(built.version).not.toBe(before);
    expect(built.version).toBe(readPolicySources(src).version);
  });

  it('refuses a bundle built from other sources as stale, with the command to rebuild', async () => {
    const src = copySources('stale');
    const out = path.join(scratch, 'stale-out');
    await ensurePolicyBundle({ ...build, sourcesDir: src, outDir: out });
    const data = JSON.parse(readFileSync(path.join(src, 'data.json'), 'utf8')) as { gateway_policy: { allowed_regions: string[] } };
    data.gateway_policy.allowed_regions = ['local'];
    writeFileSync(path.join(src, 'data.json'), JSON.stringify(data));
    const err = await loadPolicyEngine({ bundleDir: out, sourcesDir: src }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('config.invalid');
    expect((err as AppError).message).toContain('npm run setup');
    const rebuilt = await loadPolicyEngine({ bundleDir: (await ensurePolicyBundle({ ...build, sourcesDir: src, outDir: out })).bundleDir, sourcesDir: src });
    expect(rebuilt.decide({ ...rubricCall, provider: openaiEu }).reasons).toEqual(['provider openai-eu is in region eu, outside the allowed regions (local)']);
  });

  it('reports a missing bundle, and a missing Go, with what to do', async () => {
    const err = await loadPolicyEngine({ bundleDir: path.join(scratch, 'nothing') }).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('runtime.binary_missing');
    expect((err as AppError).message).toContain('npm run setup');
    const noGo = await ensurePolicyBundle({ dataDir: path.join(scratch, 'fresh-data'), goBinary: path.join(scratch, 'no-go') }).catch((e: unknown) => e);
    expect((noGo as AppError).code).toBe('runtime.binary_missing');
    expect((noGo as AppError).message).toMatch(/Install Go/);
  });
});

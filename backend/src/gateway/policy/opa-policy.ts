import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { AppError } from '../../../../app/contracts/errors';
import { isKind } from '../../../../app/redaction/kinds';
import type { OrgPolicySettings, PolicyDecision, PolicyEngine, PolicyInput } from '../gateway-contracts';
import { policyBuildCommand } from './policy-build';
import { defaultPolicySourcesDir, readPolicySources } from './policy-sources';

export interface LoadPolicyOptions {
  /** Folder written by the policy compiler: build.json, policy.wasm, data.json (policyBundleDir(dataDir)). */
  bundleDir: string;
  /**
   * Sources the bundle must have been built from; a bundle built from other sources is refused as
   * stale. Default resources/policies; null skips the check (a shipped bundle without sources).
   */
  sourcesDir?: string | null;
  /** A data document to use instead of the bundle's data.json (same shape: { gateway_policy: … }). */
  dataPath?: string;
}

/** The `input` document of the Rego policy (resources/policies/gateway.rego). */
export interface RegoPolicyInput {
  org_id: string;
  role: PolicyInput['role'];
  purpose: string;
  kind: PolicyInput['kind'];
  model: string;
  provider: PolicyInput['provider'];
  max_tokens: number | null;
  redaction_available: boolean;
  org_settings?: OrgPolicySettings;
}

/** What the `feedback/gateway/decision` rule returns. */
export interface RegoPolicyOutput {
  allow: boolean;
  reasons: string[];
  redact: boolean;
  restore_kinds: string[];
  max_tokens: number;
}

export function toRegoInput(input: PolicyInput, orgSettings?: OrgPolicySettings): RegoPolicyInput {
  return {
    org_id: input.orgId,
    role: input.role,
    purpose: input.purpose,
    kind: input.kind,
    model: input.model,
    provider: input.provider,
    max_tokens: input.maxTokens,
    redaction_available: input.redactionAvailable,
    ...(orgSettings ? { org_settings: orgSettings } : {}),
  };
}

/**
 * Anything but a well-formed decision denies: a policy that answers nothing (undefined rule) or
 * something unexpected must never let a call through.
 */
export function toPolicyDecision(result: unknown, version: string): PolicyDecision {
  const r = result as Partial<RegoPolicyOutput> | undefined;
  const wellFormed = !!r && typeof r === 'object' && typeof r.allow === 'boolean' && Array.isArray(r.reasons) && typeof r.redact === 'boolean' && Array.isArray(r.restore_kinds) && typeof r.max_tokens === 'number';
  if (!wellFormed) {
    return { allow: false, reasons: [`policy ${version} gave no decision`], redact: true, restoreKinds: [], maxTokens: 0, version };
  }
  const reasons = r.reasons!.map(String);
  return {
    allow: r.allow === true && reasons.length === 0,
    reasons,
    redact: r.redact!,
    restoreKinds: r.restore_kinds!.filter(isKind),
    maxTokens: r.max_tokens!,
    version,
  };
}

/** A checked, loaded wasm bundle: every entrypoint it was compiled with is evaluable. */
export interface LoadedPolicyBundle {
  version: string;
  /** The main entrypoint (the gateway's) and the others compiled with it (the access policy's). */
  entrypoint: string;
  entrypoints: readonly string[];
  evaluate(input: unknown, entrypoint: string): unknown;
}

/**
 * Loads the wasm bundle written by the policy compiler, refusing one built from other sources
 * (docs/decisions/007). evaluate() is synchronous: a copy of the input into wasm memory and back.
 */
export async function loadPolicyBundle(opts: LoadPolicyOptions): Promise<LoadedPolicyBundle> {
  const buildJsonPath = path.join(opts.bundleDir, 'build.json');
  const wasmPath = path.join(opts.bundleDir, 'policy.wasm');
  if (!existsSync(buildJsonPath) || !existsSync(wasmPath)) {
    throw new AppError('runtime.binary_missing', `The policy bundle is missing (${wasmPath}). Build it with \`${policyBuildCommand}\` (needs Go; compiles resources/policies with OPA).`);
  }
  const build = JSON.parse(await readFile(buildJsonPath, 'utf8')) as { version: string; sourceHash: string; entrypoint: string; entrypoints?: string[] };
  const sourcesDir = opts.sourcesDir === undefined ? defaultPolicySourcesDir : opts.sourcesDir;
  if (sourcesDir !== null) {
    const sources = readPolicySources(sourcesDir);
    if (sources.sourceHash !== build.sourceHash) {
      throw new AppError('config.invalid', `The policy bundle in ${opts.bundleDir} is stale: built as ${build.version}, the sources in ${sourcesDir} are ${sources.version}. Rebuild it with \`${policyBuildCommand}\`.`);
    }
  }
  const dataPath = opts.dataPath ?? path.join(opts.bundleDir, 'data.json');
  let data: unknown;
  try {
    data = JSON.parse(await readFile(dataPath, 'utf8'));
  } catch (e) {
    throw new AppError('config.invalid', `Policy data ${dataPath} is not readable JSON: ${(e as Error).message}`, { cause: e });
  }
  const policy = await loadPolicy(await readFile(wasmPath));
  policy.setData(data as object);
  return {
    version: build.version,
    entrypoint: build.entrypoint,
    entrypoints: build.entrypoints ?? [build.entrypoint],
    evaluate(input, entrypoint) {
      const results = policy.evaluate(input, entrypoint) as Array<{ result?: unknown }> | undefined;
      return results?.[0]?.result;
    },
  };
}

/** The gateway policy (entrypoint feedback/gateway/decision) of a loaded bundle. */
export async function loadPolicyEngine(opts: LoadPolicyOptions): Promise<PolicyEngine> {
  const bundle = await loadPolicyBundle(opts);
  const { version } = bundle;
  return {
    version,
    decide(input: PolicyInput, orgSettings?: OrgPolicySettings): PolicyDecision {
      return toPolicyDecision(bundle.evaluate(toRegoInput(input, orgSettings), bundle.entrypoint), version);
    },
  };
}

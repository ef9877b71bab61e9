import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../../app/contracts/errors';
import { repoRoot } from '../../paths';
import { defaultPolicySourcesDir, readPolicySources } from './policy-sources';

/** Our Go program that compiles the Rego with OPA's own packages (docs/decisions/007). */
export const policyCompilerDir = path.join(repoRoot, 'tools', 'policy-compiler');

/** Bundle folder convention: <dataDir>/policy holds build.json, policy.wasm, data.json, bundle.tar.gz. */
export function policyBundleDir(dataDir: string): string {
  return path.join(dataDir, 'policy');
}

/** The command a person runs to (re)build the bundle by hand. */
export const policyBuildCommand = 'npm run setup';

/** Where Go usually lives when it is not on PATH (the official tarball's place). */
const GO_FALLBACKS = ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'];

/** `go` from `goBinary`, else from the given PATH string, else the usual install places; null if none. */
export function findGo(opts: { goBinary?: string; pathEnv?: string } = {}): string | null {
  if (opts.goBinary) return existsSync(opts.goBinary) ? opts.goBinary : null;
  const dirs = (opts.pathEnv ?? '').split(path.delimiter).filter(Boolean);
  for (const candidate of [...dirs.map((d) => path.join(d, 'go')), ...GO_FALLBACKS]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export interface PolicyBuildOptions {
  /** The data folder: the compiler binary is cached in <dataDir>/bin, the bundle goes to <dataDir>/policy. */
  dataDir: string;
  sourcesDir?: string;
  /** Where the bundle is written (default policyBundleDir(dataDir)). */
  outDir?: string;
  /** Explicit path of `go`; otherwise searched in `pathEnv` and the usual places. */
  goBinary?: string;
  /** The PATH to search for `go` (the caller passes process.env.PATH). */
  pathEnv?: string;
  onProgress?: (message: string) => void;
}

export interface PolicyBuildResult {
  bundleDir: string;
  version: string;
  /** false when the bundle already matched the sources and nothing was done. */
  built: boolean;
}

interface BuildJson { version: string; sourceHash: string }

function readBuildJson(dir: string): BuildJson | null {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'build.json'), 'utf8')) as BuildJson;
  } catch {
    return null;
  }
}

/** True when `bundleDir` holds a complete build of exactly these sources. */
export function policyBundleIsCurrent(bundleDir: string, sourcesDir: string = defaultPolicySourcesDir): boolean {
  const built = readBuildJson(bundleDir);
  return !!built && built.sourceHash === readPolicySources(sourcesDir).sourceHash && existsSync(path.join(bundleDir, 'policy.wasm')) && existsSync(path.join(bundleDir, 'data.json'));
}

/** Builds the bundle unless it already matches the sources. Needs Go and the Go module proxy the first time. */
export async function ensurePolicyBundle(opts: PolicyBuildOptions): Promise<PolicyBuildResult> {
  const sourcesDir = opts.sourcesDir ?? defaultPolicySourcesDir;
  const bundleDir = opts.outDir ?? policyBundleDir(opts.dataDir);
  const sources = readPolicySources(sourcesDir);
  if (policyBundleIsCurrent(bundleDir, sourcesDir)) {
    opts.onProgress?.(`policy bundle ${sources.version} is current (${bundleDir})`);
    return { bundleDir, version: sources.version, built: false };
  }
  const compiler = await ensurePolicyCompiler(opts);
  opts.onProgress?.(`compiling ${sourcesDir} to wasm with OPA…`);
  const out = await run(compiler, ['build', '-src', sourcesDir, '-out', bundleDir], { cwd: repoRoot });
  const info = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as BuildJson;
  if (info.sourceHash !== sources.sourceHash) {
    // Both sides must hash the sources the same way, or every start would call the bundle stale.
    throw new AppError('internal', `policy-compiler hashed the sources as ${info.sourceHash}, backend/src/gateway/policy/policy-sources.ts as ${sources.sourceHash}: the two hash definitions differ`);
  }
  opts.onProgress?.(`policy bundle ${info.version} written to ${bundleDir}`);
  return { bundleDir, version: info.version, built: true };
}

/** Runs the Rego unit tests (*_test.rego) with OPA's own test runner. */
export async function runRegoTests(opts: PolicyBuildOptions): Promise<{ passed: number; failed: number; output: string }> {
  const compiler = await ensurePolicyCompiler(opts);
  const out = await run(compiler, ['test', '-src', opts.sourcesDir ?? defaultPolicySourcesDir], { cwd: repoRoot, allowFailure: true });
  const m = /(\d+) passed, (\d+) failed\s*$/.exec(out.stdout);
  if (!m) throw new AppError('internal', `policy-compiler test gave no summary: ${out.stdout}${out.stderr}`);
  return { passed: Number(m[1]), failed: Number(m[2]), output: out.stdout };
}

/**
 * The compiler binary, cached as <dataDir>/bin/policy-compiler and rebuilt only when its Go
 * sources, go.mod/go.sum or the Go version change (linking OPA takes seconds even with a warm cache).
 */
export async function ensurePolicyCompiler(opts: PolicyBuildOptions): Promise<string> {
  const go = findGo(opts);
  if (!go) {
    throw new AppError('runtime.binary_missing', `Go is needed once to build the policy bundle, and was found neither on PATH nor in ${GO_FALLBACKS.join(', ')}. Install Go ≥ 1.26 (https://go.dev/dl/ or apt-get install golang-go), then run \`${policyBuildCommand}\`.`);
  }
  const binDir = path.join(opts.dataDir, 'bin');
  const binary = path.join(binDir, 'policy-compiler');
  const stampPath = `${binary}.stamp`;
  const goVersion = spawnSync(go, ['version'], { encoding: 'utf8' }).stdout.trim();
  const h = createHash('sha256').update(`${goVersion}\n`);
  for (const f of readdirSync(policyCompilerDir).filter((n) => n.endsWith('.go') || n === 'go.mod' || n === 'go.sum').sort()) {
    h.update(`${f}\n`).update(readFileSync(path.join(policyCompilerDir, f)));
  }
  const stamp = h.digest('hex');
  if (existsSync(binary) && existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === stamp) return binary;
  mkdirSync(binDir, { recursive: true });
  opts.onProgress?.(`building tools/policy-compiler with ${goVersion} (the first time downloads OPA's Go modules and takes a few minutes)…`);
  const started = Date.now();
  const tmp = `${binary}.tmp-${process.pid}`;
  await run(go, ['build', '-o', tmp, '.'], { cwd: policyCompilerDir, env: { GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } });
  renameSync(tmp, binary);
  writeFileSync(stampPath, `${stamp}\n`);
  opts.onProgress?.(`policy compiler built in ${((Date.now() - started) / 1000).toFixed(1)} s (${binary})`);
  return binary;
}

function run(cmd: string, args: string[], o: { cwd: string; env?: Record<string, string>; allowFailure?: boolean }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The child inherits the caller's environment (HOME, GOPATH, proxy settings) plus our overrides.
    const child = spawn(cmd, args, { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new AppError('runtime.binary_missing', `could not run ${cmd}: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      if (code === 0 || o.allowFailure) resolve({ stdout, stderr });
      else reject(new AppError('config.invalid', `${path.basename(cmd)} ${args.join(' ')} failed (exit ${code}):\n${stderr.trim() || stdout.trim()}`));
    });
  });
}

import { ensurePolicyBundle, type PolicyBuildResult } from '../../backend/src/gateway/policy/policy-build';

/**
 * Compile the gateway's Rego policies to wasm with OPA (tools/policy-compiler, Go). Skipped when
 * <data>/policy/build.json already records the sources' hash; the first build needs Go and the Go
 * module proxy (docs/decisions/007).
 */
export function setupPolicyBundle(opts: { dataDir: string; onProgress?: (m: string) => void }): Promise<PolicyBuildResult> {
  return ensurePolicyBundle({ dataDir: opts.dataDir, pathEnv: process.env.PATH, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
}

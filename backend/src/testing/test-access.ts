import { loadAccessEngine, type AccessEngine } from '../access/access-policy';
import { ensurePolicyBundle } from '../gateway/policy/policy-build';
import { defaultDataDir } from '../paths';

let loading: Promise<AccessEngine> | null = null;

/** The real access policy: the OPA wasm bundle built from resources/policies (built here if stale), once per test file. */
export function loadTestAccessEngine(): Promise<AccessEngine> {
  loading ??= ensurePolicyBundle({ dataDir: defaultDataDir, pathEnv: process.env.PATH ?? '' }).then((b) => loadAccessEngine({ bundleDir: b.bundleDir }));
  return loading;
}

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resourcesDir } from '../../paths';

/** Where the gateway's Rego policies, their data.json and manifest.json live. */
export const defaultPolicySourcesDir = path.join(resourcesDir, 'policies');

export interface PolicySources {
  /** "<manifest version>+<first 12 hex of sourceHash>": the same sources always give the same version. */
  version: string;
  humanVersion: string;
  sourceHash: string;
  /** Rule path the wasm module evaluates, e.g. "feedback/gateway/decision". */
  entrypoint: string;
}

function regoFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return regoFiles(dir, child);
    return e.isFile() && e.name.endsWith('.rego') && !e.name.endsWith('_test.rego') ? [child] : [];
  });
}

/**
 * The version of the policy in `dir`, computed exactly as tools/policy-compiler does (keep the two
 * in step): sha256 over data.json, manifest.json and every non-test .rego file, sorted by their
 * slash-separated relative path, each fed as "<path>\n<byte length>\n<bytes>". Tests (*_test.rego)
 * do not change what the policy decides, so they do not change its version.
 */
export function readPolicySources(dir: string = defaultPolicySourcesDir): PolicySources {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { version?: unknown; entrypoint?: unknown };
  if (typeof manifest.version !== 'string' || !manifest.version || typeof manifest.entrypoint !== 'string' || !manifest.entrypoint) {
    throw new Error(`${path.join(dir, 'manifest.json')} needs both "version" and "entrypoint"`);
  }
  const files = ['data.json', 'manifest.json', ...regoFiles(dir)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const h = createHash('sha256');
  for (const rel of files) {
    const bytes = readFileSync(path.join(dir, ...rel.split('/')));
    h.update(`${rel}\n${bytes.length}\n`);
    h.update(bytes);
  }
  const sourceHash = h.digest('hex');
  return { version: `${manifest.version}+${sourceHash.slice(0, 12)}`, humanVersion: manifest.version, sourceHash, entrypoint: manifest.entrypoint };
}

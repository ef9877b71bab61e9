import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../app/contracts/errors';
import { findGo } from '../gateway/policy/policy-build';
import { repoRoot } from '../paths';

/** go.mod naming go.temporal.io/server and its schema tool as `tool`s (the version is pinned there). */
export const temporalServerToolsDir = path.join(repoRoot, 'tools', 'temporal-server');

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** Copy of the module's schema/postgresql/v12 (temporal/versioned, visibility/versioned). */
  schemaDir: string;
}

/** Where set-up caches the build: <dataDir>/bin/temporal-server, temporal-sql-tool, temporal-schema/. */
export function temporalServerBinaries(dataDir: string): TemporalServerBinaries {
  const bin = path.join(dataDir, 'bin');
  return { server: path.join(bin, 'temporal-server'), sqlTool: path.join(bin, 'temporal-sql-tool'), schemaDir: path.join(bin, 'temporal-schema') };
}

/**
 * Build the Temporal server and its SQL schema tool from the Go modules (Go module proxy) once, and
 * cache them with the PostgreSQL schema files beside them; rebuilt only when go.mod/go.sum or the Go
 * version change. The first build compiles the whole server (several minutes of CPU), run niced.
 */
export async function ensureTemporalServer(opts: { dataDir: string; pathEnv?: string; goBinary?: string; onProgress?: (m: string) => void }): Promise<TemporalServerBinaries> {
  const out = temporalServerBinaries(opts.dataDir);
  const go = findGo(opts);
  if (!go) throw new AppError('runtime.binary_missing', 'Go ≥ 1.26 is needed once to build the Temporal server (FE_TEMPORAL_MODE=server); install it, then run `npm run setup`.');
  const goVersion = spawnSync(go, ['version'], { encoding: 'utf8' }).stdout.trim();
  const h = createHash('sha256').update(`${goVersion}\n`);
  for (const f of ['go.mod', 'go.sum']) h.update(`${f}\n`).update(readFileSync(path.join(temporalServerToolsDir, f)));
  const stamp = h.digest('hex');
  const stampPath = `${out.server}.stamp`;
  if ([out.server, out.sqlTool, out.schemaDir].every((p) => existsSync(p)) && existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === stamp) return out;
  mkdirSync(path.dirname(out.server), { recursive: true });
  const env = { GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  const started = Date.now();
  for (const [pkg, target] of [['go.temporal.io/server/cmd/server', out.server], ['go.temporal.io/server/cmd/tools/sql', out.sqlTool]] as const) {
    opts.onProgress?.(`building ${pkg} with ${goVersion} (the first time downloads the server's modules and takes several minutes)…`);
    const tmp = `${target}.tmp-${process.pid}`;
    await run('nice', ['-n', '19', go, 'build', '-o', tmp, pkg], env);
    renameSync(tmp, target);
  }
  const moduleDir = (await run(go, ['list', '-m', '-f', '{{.Dir}}', 'go.temporal.io/server'], env)).trim();
  rmSync(out.schemaDir, { recursive: true, force: true });
  cpSync(path.join(moduleDir, 'schema', 'postgresql', 'v12'), out.schemaDir, { recursive: true });
  writeFileSync(stampPath, `${stamp}\n`);
  opts.onProgress?.(`Temporal server built in ${((Date.now() - started) / 1000).toFixed(0)} s (${out.server})`);
  return out;
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: temporalServerToolsDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    child.on('error', (e) => reject(new AppError('runtime.binary_missing', `could not run ${cmd}: ${e.message}`, { cause: e })));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new AppError('internal', `${args.join(' ')} failed (exit ${code}):\n${stderr.trim()}`))));
  });
}

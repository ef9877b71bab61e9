import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../app/contracts/errors';

/** The schemathesis `npm run fuzz:api` and its test are written for (PyPI). */
export const SCHEMATHESIS_VERSION = '4.32.5';

export function schemathesisVenv(dataDir: string): string {
  return path.join(dataDir, 'cache', 'schemathesis-venv');
}

/**
 * Installs schemathesis==SCHEMATHESIS_VERSION from PyPI into its own venv under the data folder and
 * returns its executable. A venv is not relocatable (its scripts name its absolute path), so it is
 * made in place; a stamp written last marks it complete, and a venv without the pinned stamp (an
 * interrupted install, another version) is removed and made again.
 */
export async function setupSchemathesis(opts: { dataDir: string; python?: string; onProgress?: (m: string) => void }): Promise<string> {
  const venv = schemathesisVenv(opts.dataDir);
  const bin = path.join(venv, 'bin', 'schemathesis');
  const stamp = path.join(venv, 'fe-installed.txt');
  if (existsSync(bin) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === SCHEMATHESIS_VERSION) {
    opts.onProgress?.(`schemathesis ${SCHEMATHESIS_VERSION} present (${venv})`);
    return bin;
  }
  const python = opts.python ?? 'python3';
  opts.onProgress?.(`installing schemathesis==${SCHEMATHESIS_VERSION} from PyPI into ${venv}…`);
  await rm(venv, { recursive: true, force: true });
  await run(python, ['-m', 'venv', venv]);
  await run(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', `schemathesis==${SCHEMATHESIS_VERSION}`]);
  const version = await output(bin, ['--version']);
  if (!version.includes(SCHEMATHESIS_VERSION)) throw new AppError('tool.setup_failed', `${bin} --version says "${version.trim()}", expected ${SCHEMATHESIS_VERSION}`);
  await writeFile(stamp, `${SCHEMATHESIS_VERSION}\n`);
  opts.onProgress?.(`schemathesis ${SCHEMATHESIS_VERSION} installed (${venv})`);
  return bin;
}

function run(cmd: string, args: string[]): Promise<void> {
  return output(cmd, args).then(() => undefined);
}

function output(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new AppError('runtime.binary_missing', `${cmd} not found: install Python 3 with venv and pip (Debian: apt-get install -y python3-venv python3-pip)`, { cause: e })
          : new AppError('tool.setup_failed', `cannot run ${cmd}: ${e.message}`, { cause: e }),
      ),
    );
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new AppError('tool.setup_failed', `${cmd} ${args.join(' ')} failed (exit ${code}): ${err.trim()}`))));
  });
}

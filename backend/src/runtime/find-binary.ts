import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { AppError } from '../../../app/contracts/errors';

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function pythonScriptsDir(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_path("scripts"))'], { encoding: 'utf8', timeout: 5000 }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Find an external program in order: explicit path, PATH, extra candidates, then the pip scripts
 * folder. Missing → `runtime.binary_missing` naming the program and how to install it.
 */
export function findBinary(name: string, opts: { explicit?: string; explicitVar?: string; candidates?: string[]; install: string }): string {
  if (opts.explicit) {
    if (isExecutable(opts.explicit)) return opts.explicit;
    throw new AppError('runtime.binary_missing', `${opts.explicitVar ?? name} points to ${opts.explicit}, which is not an executable file. ${opts.install}`);
  }
  const found = onPath(name) ?? opts.candidates?.find(isExecutable) ?? (() => {
    const dir = pythonScriptsDir();
    return dir && isExecutable(path.join(dir, name)) ? path.join(dir, name) : undefined;
  })();
  if (found) return found;
  throw new AppError('runtime.binary_missing', `The \`${name}\` program was not found (looked at ${opts.explicitVar ? `${opts.explicitVar}, ` : ''}PATH${opts.candidates?.length ? `, ${opts.candidates.join(', ')}` : ''} and the Python scripts folder). ${opts.install}`, { details: { binary: name } });
}

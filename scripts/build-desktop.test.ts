import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDesktop } from './build-desktop';

const out = mkdtempSync(path.join(os.tmpdir(), 'fe-desktop-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('desktop build', () => {
  it('bundles main (electron external), a single-file CommonJS preload that never exposes ipcRenderer, and the renderer', async () => {
    const r = await buildDesktop({ outDir: out });
    const main = readFileSync(r.main, 'utf8');
    expect(main).toMatch(/from ["']electron["']|require\(["']electron["']\)/);
    const preload = readFileSync(r.preload, 'utf8');
    expect(preload).toContain('contextBridge');
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\s*\)/);
    expect(preload).not.toMatch(/^import /m);
    expect(existsSync(path.join(r.renderer, 'index.html'))).toBe(true);
  }, 120_000);
});

// `npm run build:web`: the renderer as a static site in dist/web (index.html, app.js, app.css).
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../backend/src/paths';

export const webOutDir = path.join(repoRoot, 'dist', 'web');

export async function buildWeb(opts: { outDir?: string; minify?: boolean } = {}): Promise<string> {
  const outDir = opts.outDir ?? webOutDir;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    // The AudioWorklet that feeds the draft transcriber loads as its own module (CSP: script-src 'self').
    entryPoints: { app: path.join(repoRoot, 'renderer/main.tsx'), 'pcm-tap-worklet': path.join(repoRoot, 'renderer/call/pcm-tap-worklet.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120'],
    jsx: 'automatic',
    minify: opts.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  await copyFile(path.join(repoRoot, 'renderer/styles.css'), path.join(outDir, 'app.css'));
  await copyFile(path.join(repoRoot, 'renderer/index.html'), path.join(outDir, 'index.html'));
  return outDir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await buildWeb({ minify: !process.argv.includes('--dev') });
  console.log(`web client built in ${path.relative(repoRoot, out)}`);
}

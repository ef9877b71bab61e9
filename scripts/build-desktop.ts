// `npm run build:desktop`: the Electron main process and preload bundled for Electron (electron
// stays external), and the renderer built into dist/renderer. `npm run desktop` then starts Electron.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from '../backend/src/paths';
import { buildWeb } from './build-web';

export async function buildDesktop(opts: { outDir?: string } = {}): Promise<{ main: string; preload: string; renderer: string }> {
  const out = opts.outDir ?? path.join(repoRoot, 'dist');
  const common = { bundle: true, platform: 'node' as const, target: 'node22', external: ['electron', '@napi-rs/whisper', '@napi-rs/whisper-*'], sourcemap: true, logLevel: 'warning' as const };
  const main = path.join(out, 'main', 'index.js');
  const preload = path.join(out, 'main', 'preload.cjs');
  // The main process is ESM (top-level await in its imports); a sandboxed preload must be one CommonJS file.
  await build({ ...common, entryPoints: [path.join(repoRoot, 'main/index.ts')], outfile: main, format: 'esm', banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
  await build({ ...common, entryPoints: [path.join(repoRoot, 'main/preload.ts')], outfile: preload, format: 'cjs' });
  const renderer = await buildWeb({ outDir: path.join(out, 'renderer'), minify: true });
  return { main, preload, renderer };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await buildDesktop();
  console.log(`built ${path.relative(repoRoot, r.main)}, ${path.relative(repoRoot, r.preload)}, ${path.relative(repoRoot, r.renderer)}`);
}

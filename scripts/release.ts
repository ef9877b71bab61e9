// `tsx scripts/release.ts --channel stable --rollout 10 [--installers dist/installers] [--manifest dist/release/release-manifest.json] [--notes "…"] [--skip-build]`
// Builds the main and renderer bundles, then, over the installers electron-builder made on each
// platform (collected into one folder by the CI workflow): SHA256SUMS, the release manifest the
// backend's update feed reads (FE_UPDATES_MANIFEST_FILE) and a CycloneDX SBOM of the shipped npm
// dependencies (@cyclonedx/cyclonedx-npm). docs/it-guide.md, docs/decisions/024.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ReleaseManifest } from '../app/contracts/release-manifest';
import { repoRoot } from '../backend/src/paths';
import { buildDesktop } from './build-desktop';
import { addRelease, releaseOf } from './release/release-manifest-writer';

const { values } = parseArgs({ options: { channel: { type: 'string', default: 'stable' }, rollout: { type: 'string', default: '100' }, installers: { type: 'string', default: path.join(repoRoot, 'dist/installers') }, manifest: { type: 'string', default: path.join(repoRoot, 'dist/release/release-manifest.json') }, notes: { type: 'string' }, 'skip-build': { type: 'boolean', default: false } } });
const channel = values.channel === 'beta' ? 'beta' : values.channel === 'stable' ? 'stable' : null;
const rolloutPercent = Number(values.rollout);
if (!channel || !(rolloutPercent >= 0 && rolloutPercent <= 100)) throw new Error('--channel is stable or beta, --rollout a percentage 0–100');
const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const outDir = path.dirname(values.manifest);
mkdirSync(outDir, { recursive: true });

if (!values['skip-build']) await buildDesktop();
const artefacts = readdirSync(values.installers).filter((n) => n.includes(version)).map((n) => path.join(values.installers, n));
const release = await releaseOf(version, artefacts, { releaseDate: new Date().toISOString(), releaseNotes: values.notes });
const count = Object.values(release.files).reduce((n, fs) => n + (fs?.length ?? 0), 0);
if (count === 0) throw new Error(`No installers of ${version} in ${values.installers}: run electron-builder on each platform first (.github/workflows/release.yml).`);
writeFileSync(path.join(outDir, 'SHA256SUMS'), Object.values(release.files).flatMap((fs) => fs ?? []).map((f) => `${f.sha256}  ${f.url}\n`).join(''));

let existing: ReleaseManifest | null = null;
try {
  existing = ReleaseManifest.parse(JSON.parse(readFileSync(values.manifest, 'utf8')));
} catch (e) {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}
writeFileSync(values.manifest, `${JSON.stringify(addRelease(existing, release, { channel, rolloutPercent }), null, 2)}\n`);

// The SBOM of what ships: production dependencies only, from package-lock.json.
execFileSync(path.join(repoRoot, 'node_modules/.bin/cyclonedx-npm'), ['--omit', 'dev', '--output-format', 'JSON', '--output-file', path.join(outDir, `sbom-${version}.cdx.json`)], { cwd: repoRoot, stdio: 'inherit' });
console.log(`release ${version}: ${count} artefacts, ${channel} at ${rolloutPercent}% → ${path.relative(repoRoot, values.manifest)}, SHA256SUMS, sbom-${version}.cdx.json`);

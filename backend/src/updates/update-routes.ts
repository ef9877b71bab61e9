import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../app/contracts/errors';
import { ReleaseManifest } from '../../../app/contracts/release-manifest';
import { UpdateFeedRoutes } from '../../../app/contracts/update-feed-api';
import type { ApiRoute } from '../api/route-table';
import { contractRoute, SENT } from '../api/contract-route';
import { FEED_FILES, feedYaml, listedArtefact, offeredRelease } from './update-feed';

export interface UpdateFeedOptions {
  /** FE_UPDATES_MANIFEST_FILE: read at every request, so a halt takes effect at once. */
  manifestFile: string;
  /** FE_UPDATES_ARTEFACTS_DIR: where the installers the manifest names lie. */
  artefactsDir?: string;
  /** FE_UPDATES_ARTEFACTS_URL: or a blob store / CDN the artefacts are redirected to. */
  artefactsUrl?: string;
}


async function loadManifest(file: string) {
  const raw = await readFile(file, 'utf8').catch((e: unknown) => {
    throw new AppError('update.manifest_invalid', `The release manifest ${file} cannot be read.`, { cause: e });
  });
  const parsed = ReleaseManifest.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new AppError('update.manifest_invalid', `The release manifest is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * The update feed electron-updater's generic provider reads: /v1/updates/<channel>/<org>/<install>/latest.yml
 * and the artefacts beside it. Public (docs/decisions/024): installers are signed and the same
 * for every org, and a signed-out or expired install must still get a security fix.
 */
export function updateFeedRoutes(opts: UpdateFeedOptions | undefined): ApiRoute[] {
  return [
    contractRoute(UpdateFeedRoutes.feedFile, { resource: 'public', action: null }, async ({ params: p }, _ctx, _req, res) => {
      // Always routed, so the API is the same on every server; without a manifest there is no feed.
      if (!opts) throw new AppError('update.not_found', 'This server has no update feed (FE_UPDATES_MANIFEST_FILE is not set).', { status: 404 });
      const m = await loadManifest(opts.manifestFile);
      const platform = FEED_FILES[p.file];
      if (platform) {
        const release = offeredRelease(m, { channel: p.channel, orgId: p.org === 'any' ? null : p.org, installId: p.install });
        res.set('Cache-Control', 'no-store').type('text/yaml').send(feedYaml(release, platform));
        return SENT;
      }
      if (!listedArtefact(m, p.file)) throw new AppError('update.not_found', `${p.file} is not an artefact of any release.`, { status: 404 });
      if (opts.artefactsUrl) {
        res.redirect(302, `${opts.artefactsUrl.replace(/\/+$/, '')}/${encodeURIComponent(p.file)}`);
        return SENT;
      }
      if (!opts.artefactsDir) throw new AppError('update.not_found', 'No artefact location is configured (FE_UPDATES_ARTEFACTS_DIR or FE_UPDATES_ARTEFACTS_URL).', { status: 404 });
      const file = path.join(opts.artefactsDir, p.file);
      if (!(await stat(file).catch(() => null))?.isFile()) throw new AppError('update.not_found', `${p.file} is listed but missing from the artefact location.`, { status: 404 });
      // Ranges let electron-updater resume a download. Blockmaps are not in the release manifest, so a
      // request for one is 404 (update.not_found) and electron-updater downloads the whole file.
      await new Promise<void>((resolve, reject) => res.sendFile(file, { acceptRanges: true, cacheControl: false, headers: { 'Cache-Control': 'public, max-age=86400, immutable' } }, (e) => (e ? reject(e) : resolve())));
      return SENT;
    }),
  ];
}

import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { AppError } from '../../../app/contracts/errors';
import type { Release, ReleaseManifest, UpdatePlatform } from '../../../app/contracts/release-manifest';
import { SemVer } from '../../../app/contracts/release-manifest';

/** electron-updater's generic provider asks for these names (channel "latest" + platform suffix). */
export const FEED_FILES: Record<string, UpdatePlatform> = { 'latest.yml': 'win', 'latest-mac.yml': 'mac', 'latest-linux.yml': 'linux' };

/**
 * Where an install falls in a rollout, 0 ≤ b < 100: the same install id always lands in the same
 * place for one version (so raising the share only adds installs), and another version reshuffles.
 */
export function rolloutBucket(installId: string, version: string): number {
  const h = createHash('sha256').update(`${version}\u0000${installId}`).digest();
  return (h.readUInt32BE(0) / 0x1_0000_0000) * 100;
}

/** The release a given install is offered on a channel: pinned, staged, or held back by the kill switch. */
export function offeredRelease(m: ReleaseManifest, q: { channel: string; orgId: string | null; installId: string }): Release {
  const byVersion = (v: string) => m.releases.find((r) => r.version === v);
  if (SemVer.safeParse(q.channel).success) {
    const pinned = byVersion(q.channel);
    if (!pinned) throw new AppError('update.not_found', `No release ${q.channel} to pin to.`, { status: 404 });
    return pinned;
  }
  const ch = q.channel === 'stable' || q.channel === 'beta' ? m.channels[q.channel] : undefined;
  if (!ch) throw new AppError('update.not_found', `No update channel ${q.channel}.`, { status: 404 });
  const share = (q.orgId !== null ? ch.orgRollout[q.orgId] : undefined) ?? ch.rolloutPercent;
  const inRollout = !ch.halted && rolloutBucket(q.installId, ch.version) < share;
  const version = inRollout ? ch.version : ch.previous;
  const release = version ? byVersion(version) : undefined;
  if (!release) throw new AppError('update.not_found', ch.halted ? `Channel ${q.channel} is halted and names no previous release.` : `No release of channel ${q.channel} is offered to this install yet.`, { status: 404 });
  return release;
}

/** latest.yml / latest-mac.yml / latest-linux.yml as electron-builder writes them. */
export function feedYaml(release: Release, platform: UpdatePlatform): string {
  const files = release.files[platform] ?? [];
  const main = files[0];
  if (!main) throw new AppError('update.not_found', `Release ${release.version} has no ${platform} artefacts.`, { status: 404 });
  return stringify({
    version: release.version,
    files: files.map((f) => ({ url: f.url, sha512: f.sha512, size: f.size })),
    path: main.url,
    sha512: main.sha512,
    releaseDate: release.releaseDate,
    ...(release.releaseNotes ? { releaseNotes: release.releaseNotes } : {}),
  });
}

/** Every artefact name the manifest lists: only these are served. */
export function listedArtefact(m: ReleaseManifest, name: string): boolean {
  return m.releases.some((r) => Object.values(r.files).some((fs) => fs?.some((f) => f.url === name)));
}

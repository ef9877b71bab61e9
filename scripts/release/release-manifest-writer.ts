import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ReleaseManifest, type Release, type ReleaseFile, type UpdatePlatform } from '../../app/contracts/release-manifest';

/** sha256 (hex, for the record and IT) and sha512 (base64, what electron-updater checks) in one read. */
export async function digestArtefact(file: string): Promise<ReleaseFile> {
  const s256 = createHash('sha256');
  const s512 = createHash('sha512');
  for await (const chunk of createReadStream(file)) {
    s256.update(chunk as Buffer);
    s512.update(chunk as Buffer);
  }
  return { url: path.basename(file), sha256: s256.digest('hex'), sha512: s512.digest('base64'), size: (await stat(file)).size };
}

/** Which platform's feed an installer belongs to; the update artefact of each platform comes first. */
export function platformOf(name: string): { platform: UpdatePlatform; order: number } | null {
  if (name.endsWith('.exe')) return { platform: 'win', order: 0 };
  if (name.endsWith('.msi')) return { platform: 'win', order: 1 };
  if (name.endsWith('-mac.zip') || /-mac-[a-z0-9]+\.zip$/.test(name)) return { platform: 'mac', order: 0 };
  if (name.endsWith('.dmg')) return { platform: 'mac', order: 1 };
  if (name.endsWith('.AppImage')) return { platform: 'linux', order: 0 };
  if (name.endsWith('.deb')) return { platform: 'linux', order: 1 };
  return null;
}

export async function releaseOf(version: string, artefacts: string[], opts: { releaseDate: string; releaseNotes?: string }): Promise<Release> {
  const files: Release['files'] = {};
  const placed = artefacts.map((f) => ({ f, p: platformOf(path.basename(f)) })).filter((x): x is { f: string; p: NonNullable<ReturnType<typeof platformOf>> } => x.p !== null).sort((a, b) => a.p.order - b.p.order);
  for (const { f, p } of placed) (files[p.platform] ??= []).push(await digestArtefact(f));
  return { version, releaseDate: opts.releaseDate, ...(opts.releaseNotes ? { releaseNotes: opts.releaseNotes } : {}), files };
}

/**
 * Adds (or replaces) a release and offers it on a channel at `rolloutPercent`; the version the
 * channel offered so far becomes its `previous`, which installs outside the rollout keep getting.
 */
export function addRelease(existing: ReleaseManifest | null, release: Release, opts: { channel: 'stable' | 'beta'; rolloutPercent: number }): ReleaseManifest {
  const releases = [...(existing?.releases ?? []).filter((r) => r.version !== release.version), release];
  const before = existing?.channels[opts.channel];
  const channel = { version: release.version, previous: before && before.version !== release.version ? before.version : before?.previous, rolloutPercent: opts.rolloutPercent, orgRollout: {}, halted: false };
  const stable = opts.channel === 'stable' ? channel : existing?.channels.stable;
  if (!stable) throw new Error('The first release of a manifest goes to the stable channel (no stable version exists yet).');
  const beta = opts.channel === 'beta' ? channel : existing?.channels.beta;
  return ReleaseManifest.parse({ schemaVersion: 1, releases, channels: { stable, ...(beta ? { beta } : {}) } });
}

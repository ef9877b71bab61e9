import { z } from 'zod';

/**
 * The release manifest the backend's update feed reads (FE_UPDATES_MANIFEST_FILE), written by
 * scripts/release.ts and edited by whoever runs releases: which version each channel offers, to
 * what share of installs per org, and the kill switch.
 */
export const SemVer = z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'a version like 1.4.2 or 1.5.0-beta.1');
/** A plain file name: artefacts are looked up by name in the configured blob location, never by path. */
export const ArtefactName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._ -]{0,200}$/, 'a file name without a path').refine((n) => !n.includes('..'), 'a file name without ..');

export const ReleaseFile = z.object({
  url: ArtefactName,
  /** base64 sha512: what electron-updater checks after the download. */
  sha512: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'base64 sha512'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
});
export type ReleaseFile = z.infer<typeof ReleaseFile>;

export const UpdatePlatform = z.enum(['win', 'mac', 'linux']);
export type UpdatePlatform = z.infer<typeof UpdatePlatform>;

export const Release = z.object({
  version: SemVer,
  releaseDate: z.string().datetime(),
  releaseNotes: z.string().max(20_000).optional(),
  /** Per platform, the update artefacts first (NSIS .exe, mac .zip, AppImage). */
  files: z.object({ win: z.array(ReleaseFile).optional(), mac: z.array(ReleaseFile).optional(), linux: z.array(ReleaseFile).optional() }),
});
export type Release = z.infer<typeof Release>;

const Percent = z.number().min(0).max(100);
export const ReleaseChannel = z.object({
  version: SemVer,
  /** What installs outside the rollout (and everyone while halted) are offered. */
  previous: SemVer.optional(),
  rolloutPercent: Percent.default(100),
  /** Per-org rollout share, overriding rolloutPercent (0 holds one org back). */
  orgRollout: z.record(z.string().uuid(), Percent).default({}),
  /** Kill switch: nobody is offered `version`; installs that have it keep it (no downgrades). */
  halted: z.boolean().default(false),
});
export type ReleaseChannel = z.infer<typeof ReleaseChannel>;

export const ReleaseManifest = z
  .object({
    schemaVersion: z.literal(1),
    releases: z.array(Release),
    channels: z.object({ stable: ReleaseChannel, beta: ReleaseChannel.optional() }),
  })
  .superRefine((m, ctx) => {
    const known = new Set(m.releases.map((r) => r.version));
    for (const [name, ch] of Object.entries(m.channels)) {
      for (const v of [ch?.version, ch?.previous]) if (v && !known.has(v)) ctx.addIssue({ code: 'custom', path: ['channels', name], message: `version ${v} is not among the releases` });
    }
  });
export type ReleaseManifest = z.infer<typeof ReleaseManifest>;

/** Update channel as the client names it: stable, beta, or a pinned version. */
export const UpdateChannelName = z.union([z.enum(['stable', 'beta']), SemVer]);

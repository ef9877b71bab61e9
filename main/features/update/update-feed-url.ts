import { randomUUID } from 'node:crypto';
import { readJsonFile, writeJsonAtomic } from '../../services/atomic-file';
import { z } from 'zod';

/**
 * The generic-provider URL of the org backend's update feed (backend/src/updates): electron-updater
 * fetches `<url>latest.yml` (latest-mac.yml, latest-linux.yml) and the artefacts relative to it.
 * The install id rides in the path so the backend's staged rollout sees the same id every time.
 */
export function updateFeedUrl(backendUrl: string, opts: { channel: string; orgId: string | undefined; installId: string }): string {
  const base = backendUrl.replace(/\/+$/, '');
  const seg = (s: string) => encodeURIComponent(s);
  return `${base}/v1/updates/${seg(opts.channel)}/${seg(opts.orgId ?? 'any')}/${seg(opts.installId)}/`;
}

const InstallIdFile = z.object({ installId: z.string().uuid() });

/** A random id made once per install (never derived from the user or the machine). */
export async function installIdOf(file: string): Promise<string> {
  const existing = await readJsonFile(file, InstallIdFile).catch(() => null);
  if (existing) return existing.installId;
  const installId = randomUUID();
  await writeJsonAtomic(file, { installId });
  return installId;
}

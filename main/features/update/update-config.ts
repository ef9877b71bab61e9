import type { AppUpdater } from 'electron-updater';
import type { UpdaterPort } from './update-controller';

/**
 * How the app sets up electron-updater (any AppUpdater: in the app `autoUpdater`, in tests
 * electron-updater's own AppImageUpdater run in Node against the real feed). Generic provider at
 * the org's backend; signature checks stay electron-updater's defaults (Windows: the installer's
 * Authenticode publisher must match app-update.yml's publisherName; macOS: Squirrel.Mac checks the
 * code signature). Downloads in the background, installs on quit unless the user asks earlier.
 */
export function configureUpdater(u: AppUpdater, feedUrl: string, opts: { allowPrerelease: boolean }): UpdaterPort {
  u.setFeedURL({ provider: 'generic', url: feedUrl, useMultipleRangeRequest: false });
  u.autoDownload = true;
  u.autoInstallOnAppQuit = true;
  u.allowPrerelease = opts.allowPrerelease;
  // A pinned or halted channel may serve an older version than this one: never downgrade by itself.
  u.allowDowngrade = false;
  return u as unknown as UpdaterPort;
}

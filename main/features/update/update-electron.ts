import { autoUpdater } from 'electron-updater';
import type { UpdaterPort } from './update-controller';

/**
 * The only Electron-bound part of updating (not run in tests: no Electron binary on the build
 * machines). Generic provider at the org's backend; signature checks stay electron-updater's
 * defaults (Windows: the installer's Authenticode publisher must match the app's; macOS: Squirrel.Mac
 * checks the code signature). Downloads in the background, installs on quit unless the user asks earlier.
 */
export function electronUpdater(feedUrl: string, opts: { allowPrerelease: boolean }): UpdaterPort {
  autoUpdater.setFeedURL({ provider: 'generic', url: feedUrl, useMultipleRangeRequest: false });
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.allowPrerelease = opts.allowPrerelease;
  // A pinned or halted channel may serve an older version than this one: never downgrade by itself.
  autoUpdater.allowDowngrade = false;
  return autoUpdater as unknown as UpdaterPort;
}

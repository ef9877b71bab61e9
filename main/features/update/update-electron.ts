import { autoUpdater } from 'electron-updater';
import { configureUpdater } from './update-config';
import type { UpdaterPort } from './update-controller';

/**
 * The only Electron-bound part of updating (not run in tests: no Electron binary on the build
 * machines; `autoUpdater` needs Electron's app and net). Its configuration, update-config.ts, is
 * tested with electron-updater's own AppImageUpdater in Node (update-electron-updater.test.ts).
 */
export function electronUpdater(feedUrl: string, opts: { allowPrerelease: boolean }): UpdaterPort {
  return configureUpdater(autoUpdater, feedUrl, opts);
}

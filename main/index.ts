import path from 'node:path';
import { app, BrowserWindow, ipcMain, safeStorage, shell } from 'electron';
import { DesktopContract } from '../app/contracts/ipc/desktop';
import type { Settings } from '../app/contracts/ipc/settings';
import { forwardEvents, registerIpcHandlers } from './adapters/ipc-adapter';
import { parseDesktopConfig } from './desktop-config';
import { createDesktopFeatures } from './features/desktop-features';
import { contentSecurityPolicy, isAppUrl } from './navigation-policy';
import { safeStorageCipher } from './platform/safe-storage-cipher';
import { registerRendererScheme, serveRenderer } from './renderer-protocol';
import { createMainWindow } from './window';
import { createSettingsStore } from './services/settings-store';
import { readManagedPolicy } from './features/policy/policy-sources';
import { electronUpdater } from './features/update/update-electron';
import { installIdOf, updateFeedUrl } from './features/update/update-feed-url';

/** Electron entry: only wires config, features, IPC and the window. Not exercised without Electron. */
let initialized = false;

export async function initialize(): Promise<void> {
  if (initialized) throw new Error('main/index.ts: initialize() was already called');
  initialized = true;
  if (!app.requestSingleInstanceLock()) return app.quit();
  registerRendererScheme();
  const policy = await readManagedPolicy(process.platform, 'org.feedback-evaluation.desktop');
  for (const p of policy.problems) console.error(`[main] policy ${p.key}: ${p.message}`);
  const proxy = policy.policy.proxy;
  if (proxy === 'direct') app.commandLine.appendSwitch('no-proxy-server');
  else if (proxy && proxy !== 'system') app.commandLine.appendSwitch('proxy-server', proxy);
  await app.whenReady();

  const config = parseDesktopConfig(process.env, { userDataDir: app.getPath('userData'), appDir: app.getAppPath() });
  const log = (channel: string, e: unknown) => console.error(`[main] ${channel}:`, e);
  const cipher = safeStorageCipher(safeStorage, process.platform);
  const userSettings = await createSettingsStore({ file: path.join(config.dataDir, 'settings.json') }).get();
  const channel = policy.policy.updateChannel ?? 'stable';
  // Packaged builds only: a development run has no signed installer to update to.
  const updater = app.isPackaged && policy.policy.autoUpdate !== false ? { port: electronUpdater(updateFeedUrl(policy.policy.backendUrl ?? userSettings.backendUrl, { channel, orgId: policy.policy.orgId, installId: await installIdOf(path.join(config.dataDir, 'install-id.json')) }), { allowPrerelease: channel === 'beta' }), channel, onError: (e: { code: string; message: string }) => console.error(`[main] update ${e.code}: ${e.message}`) } : { channel };
  // Sign-in opens the system browser only at the backend's own OIDC start (RFC 8252: never an embedded window).
  const openBrowser = async (url: string) => {
    const u = new URL(url);
    const backend = new URL(policy.policy.backendUrl ?? (await features.handlers['settings:get']({})).backendUrl);
    if (u.origin !== backend.origin || u.pathname !== '/v1/auth/oidc/start') throw new Error(`refusing to open ${u.origin}${u.pathname} for sign-in`);
    await shell.openExternal(u.href);
  };
  const features = createDesktopFeatures({ dataDir: config.dataDir, secretCipher: cipher, onListenerError: (e) => log('event', e), draftTranscriber: { modelPath: config.sttModelPath }, updater, policy, openBrowser });
  const settings = await features.handlers['settings:get']({});

  // The page's CSP names the backend: a new backend URL takes effect with a reload.
  let backendUrl = settings.backendUrl;
  const csp = () => contentSecurityPolicy({ backendUrl, devServerUrl: config.devServerUrl });
  serveRenderer({ rendererDir: config.rendererDir, devServerUrl: config.devServerUrl, csp });
  registerIpcHandlers({ ipcMain, contract: DesktopContract, handlers: features.handlers, isTrustedSender: (url) => isAppUrl(url, config.appUrl), onInternalError: log });
  forwardEvents({ events: features.events, targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents) });
  const win = createMainWindow({ appUrl: config.appUrl, preloadPath: config.preloadPath, csp, externalHosts: config.externalHosts });
  features.events.subscribe((event, payload) => {
    if (event !== 'settings:changed' || (payload as Settings).backendUrl === backendUrl) return;
    backendUrl = (payload as Settings).backendUrl;
    win.webContents.reload();
  });
  features.start();

  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('before-quit', () => void features.stop());
  app.on('window-all-closed', () => app.quit());
}

void initialize();

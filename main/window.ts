import { BrowserWindow, shell } from 'electron';
import { isAllowedExternalUrl, isAppUrl } from './navigation-policy';

export interface MainWindowOptions {
  /** Where the renderer is loaded from (app://renderer/index.html). */
  appUrl: string;
  preloadPath: string;
  /** The current Content-Security-Policy of the app's pages (it names the configured backend). */
  csp: () => string;
  /** Hosts the app may open in the system browser (help pages, the org's portal). */
  externalHosts: readonly string[];
}

/** The one app window, locked down as CONVENTIONS §7 asks. Runs only inside Electron. */
export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Feedback Evaluation',
    webPreferences: {
      preload: opts.preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    },
  });
  const wc = win.webContents;
  // app:// responses carry the policy already (renderer-protocol.ts); this covers any other app page.
  wc.session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url, opts.appUrl)) return callback({ responseHeaders: details.responseHeaders });
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [opts.csp()] } });
  });
  // The microphone for the call and the recorder, for the app only; nothing else (no geolocation, no notifications).
  wc.session.setPermissionRequestHandler((_wc, permission, callback, details) => callback(permission === 'media' && isAppUrl(details.requestingUrl ?? '', opts.appUrl)));
  wc.session.setPermissionCheckHandler((_wc, permission, origin) => permission === 'media' && isAppUrl(origin, opts.appUrl));

  wc.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url, opts.externalHosts)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const stayInApp = (event: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url, opts.appUrl)) return;
    event.preventDefault();
    if (isAllowedExternalUrl(url, opts.externalHosts)) void shell.openExternal(url);
  };
  wc.on('will-navigate', stayInApp);
  wc.on('will-redirect', stayInApp);
  wc.on('will-attach-webview', (event) => event.preventDefault());

  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.appUrl);
  return win;
}

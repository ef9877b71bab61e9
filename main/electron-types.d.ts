/**
 * The few Electron APIs main/ uses, declared here because the `electron` package (and its types)
 * is not installed on the build machines (its postinstall downloads a binary). Signatures follow
 * Electron's own typings; when `electron` is installed, delete this file.
 */
declare module 'electron' {
  interface Event {
    preventDefault(): void;
  }
  interface WebFrameMain {
    url: string;
  }
  interface IpcMainInvokeEvent extends Event {
    senderFrame: WebFrameMain | null;
    sender: WebContents;
  }
  interface IpcMain {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
    removeHandler(channel: string): void;
  }
  interface IpcRendererEvent {
    sender: unknown;
  }
  interface IpcRenderer {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): this;
    removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): this;
  }
  interface ContextBridge {
    exposeInMainWorld(apiKey: string, api: unknown): void;
  }
  interface HandlerDetails {
    url: string;
  }
  interface WebContents {
    send(channel: string, ...args: unknown[]): void;
    isDestroyed(): boolean;
    reload(): void;
    setWindowOpenHandler(handler: (details: HandlerDetails) => { action: 'deny' } | { action: 'allow' }): void;
    on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (event: Event & { url: string }, url: string) => void): this;
    on(event: 'will-attach-webview', listener: (event: Event) => void): this;
    session: Session;
  }
  interface HeadersReceivedResponse {
    responseHeaders?: Record<string, string | string[]>;
  }
  interface WebRequest {
    onHeadersReceived(listener: (details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (response: HeadersReceivedResponse) => void) => void): void;
  }
  interface Session {
    webRequest: WebRequest;
    setPermissionRequestHandler(handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string }) => void) | null): void;
    setPermissionCheckHandler(handler: ((webContents: WebContents | null, permission: string, requestingOrigin: string) => boolean) | null): void;
  }
  interface WebPreferences {
    preload?: string;
    contextIsolation?: boolean;
    nodeIntegration?: boolean;
    nodeIntegrationInWorker?: boolean;
    sandbox?: boolean;
    webSecurity?: boolean;
    allowRunningInsecureContent?: boolean;
    webviewTag?: boolean;
    spellcheck?: boolean;
  }
  interface BrowserWindowConstructorOptions {
    width?: number;
    height?: number;
    minWidth?: number;
    minHeight?: number;
    show?: boolean;
    title?: string;
    webPreferences?: WebPreferences;
  }
  export class BrowserWindow {
    constructor(options?: BrowserWindowConstructorOptions);
    static getAllWindows(): BrowserWindow[];
    webContents: WebContents;
    loadURL(url: string): Promise<void>;
    show(): void;
    focus(): void;
    isMinimized(): boolean;
    restore(): void;
    once(event: 'ready-to-show', listener: () => void): this;
  }
  interface Shell {
    openExternal(url: string): Promise<void>;
  }
  interface SafeStorage {
    isEncryptionAvailable(): boolean;
    encryptString(plainText: string): Buffer;
    decryptString(encrypted: Buffer): string;
    /** Linux only: 'basic_text' means no keyring (a hard-coded key). */
    getSelectedStorageBackend?(): string;
  }
  interface App {
    whenReady(): Promise<void>;
    getPath(name: 'userData' | 'appData' | 'temp'): string;
    getAppPath(): string;
    isPackaged: boolean;
    commandLine: { appendSwitch(name: string, value?: string): void };
    requestSingleInstanceLock(): boolean;
    quit(): void;
    on(event: 'window-all-closed' | 'before-quit' | 'second-instance', listener: (...args: unknown[]) => void): this;
  }
  interface CustomScheme {
    scheme: string;
    privileges?: { standard?: boolean; secure?: boolean; supportFetchAPI?: boolean; stream?: boolean; corsEnabled?: boolean; bypassCSP?: boolean };
  }
  interface Protocol {
    registerSchemesAsPrivileged(customSchemes: CustomScheme[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  }
  interface Net {
    fetch(input: string | Request, init?: RequestInit & { bypassCustomProtocolHandlers?: boolean }): Promise<Response>;
  }
  export const protocol: Protocol;
  export const net: Net;
  export const app: App;
  export const ipcMain: IpcMain;
  export const ipcRenderer: IpcRenderer;
  export const contextBridge: ContextBridge;
  export const shell: Shell;
  export const safeStorage: SafeStorage;
}

import type { UpdateStatus } from '../../../app/contracts/ipc/update';
import { initialUpdateState, updateCommand, updateReducer, type UpdateErrorCode, type UpdateEvent, type UpdateState } from './update-state';

/**
 * The part of electron-updater's AppUpdater the app uses: its events and three calls. In the app
 * it is `autoUpdater` itself (update-electron.ts); it is an EventEmitter, so tests drive a plain one.
 */
export interface UpdaterPort {
  on(event: 'checking-for-update' | 'update-not-available', l: () => void): unknown;
  on(event: 'update-available' | 'update-downloaded', l: (info: { version: string }) => void): unknown;
  on(event: 'download-progress', l: (p: { percent: number }) => void): unknown;
  on(event: 'error', l: (e: Error) => void): unknown;
  /** With autoDownload, the result carries the download's promise (electron-updater's UpdateCheckResult). */
  checkForUpdates(): Promise<{ downloadPromise?: Promise<unknown> | null } | null>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
}

export interface UpdateControllerOptions {
  updater: UpdaterPort;
  channel: string;
  /** Managed policy can turn in-app updates off (MSI installs IT updates itself). */
  enabled: boolean;
  /** Hours between checks after the one at start. */
  checkEveryHours?: number;
  onChange?: (s: UpdateStatus) => void;
  /** Each failure with its stable code, for the log (the settings screen shows only the message). */
  onError?: (e: { code: UpdateErrorCode; message: string }) => void;
  now?: () => Date;
  setInterval?: (fn: () => void, ms: number) => { unref?: () => void };
  clearInterval?: (h: unknown) => void;
}

export function toStatus(s: UpdateState, channel: string, enabled: boolean): UpdateStatus {
  if (!enabled) return { phase: 'disabled', busy: s.busy, channel };
  const c = s.current;
  const base = { busy: s.busy, channel };
  switch (c.phase) {
    case 'idle':
      return { ...base, phase: 'idle', lastCheckedAt: c.lastCheckedAt };
    case 'checking':
      return { ...base, phase: 'checking' };
    case 'downloading':
      return { ...base, phase: 'downloading', version: c.version, percent: c.percent };
    case 'downloaded':
      return { ...base, phase: 'downloaded', version: c.version, installWhenIdle: c.installWhenIdle };
    case 'installing':
      return { ...base, phase: 'installing', version: c.version };
    case 'error':
      return { ...base, phase: 'error', error: { code: c.code, message: c.message } };
  }
}

/** Feeds electron-updater's events and the app's busy state into the reducer and carries out its one command. */
export function createUpdateController(opts: UpdateControllerOptions) {
  let state = initialUpdateState;
  let recordingBusy = false;
  let callBusy = false;
  let timer: unknown;
  const now = opts.now ?? (() => new Date());
  const status = () => toStatus(state, opts.channel, opts.enabled);

  function dispatch(event: UpdateEvent): UpdateStatus {
    const before = state;
    state = updateReducer(state, event);
    // Only an install the user asked for restarts the app; on quit electron-updater installs by itself (autoInstallOnAppQuit).
    if (updateCommand(before, state) === 'restart-and-install') opts.updater.quitAndInstall(false, true);
    if (state !== before) {
      if (state.current.phase === 'error') opts.onError?.({ code: state.current.code, message: state.current.message });
      opts.onChange?.(status());
    }
    return status();
  }

  const u = opts.updater;
  u.on('checking-for-update', () => dispatch({ type: 'check-started' }));
  u.on('update-not-available', () => dispatch({ type: 'update-not-available', at: now().toISOString() }));
  u.on('update-available', (info) => dispatch({ type: 'update-available', version: info.version }));
  u.on('download-progress', (p) => dispatch({ type: 'download-progress', percent: p.percent }));
  u.on('update-downloaded', (info) => dispatch({ type: 'update-downloaded', version: info.version }));
  u.on('error', (e) => dispatch({ type: 'failed', message: e.message }));

  const check = async (): Promise<UpdateStatus> => {
    if (!opts.enabled) return status();
    // electron-updater reports its failures through 'error' as well; the promises' rejections add
    // nothing, and an unobserved download rejection (bad sha512, lost connection) would be unhandled.
    const result = await u.checkForUpdates().catch(() => null);
    result?.downloadPromise?.catch(() => undefined);
    return status();
  };
  const setBusy = () => dispatch({ type: 'busy-changed', busy: recordingBusy || callBusy });

  return {
    status,
    check,
    install: () => dispatch({ type: 'install-requested' }),
    setRecordingActive(active: boolean) {
      recordingBusy = active;
      return setBusy();
    },
    setCallActive(active: boolean) {
      callBusy = active;
      return setBusy();
    },
    quitting: () => dispatch({ type: 'app-quitting' }),
    /** Checks now and every `checkEveryHours` (default 4). */
    start() {
      if (!opts.enabled || timer) return;
      void check();
      const t = (opts.setInterval ?? setInterval)(() => void check(), (opts.checkEveryHours ?? 4) * 3600_000);
      t.unref?.();
      timer = t;
    },
    stop() {
      if (timer) (opts.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout)))(timer);
      timer = undefined;
    },
  };
}
export type UpdateController = ReturnType<typeof createUpdateController>;

/**
 * The desktop updater's phases as one pure reducer (conventions §10). electron-updater reports
 * what it does (checking, progress, downloaded, error); the app reports whether a call or a
 * recording is running and what the user asked. The reducer alone decides when an update may be
 * installed: never while busy, at once when the user chose it and nothing runs, else on quit.
 */
export type UpdatePhase =
  | { phase: 'idle'; lastCheckedAt: string | null }
  | { phase: 'checking' }
  | { phase: 'downloading'; version: string; percent: number }
  | { phase: 'downloaded'; version: string; installWhenIdle: boolean }
  | { phase: 'installing'; version: string; trigger: 'user' | 'quit' }
  | { phase: 'error'; code: UpdateErrorCode; message: string };

export type UpdateErrorCode = 'update.check_failed' | 'update.download_failed' | 'update.signature_invalid';

export interface UpdateState {
  /** A call or a recording is running: nothing may restart the app. */
  busy: boolean;
  current: UpdatePhase;
}

export type UpdateEvent =
  | { type: 'check-started' }
  | { type: 'update-not-available'; at: string }
  | { type: 'update-available'; version: string }
  | { type: 'download-progress'; percent: number }
  | { type: 'update-downloaded'; version: string }
  | { type: 'failed'; message: string }
  | { type: 'busy-changed'; busy: boolean }
  /** The user pressed "Restart and update". */
  | { type: 'install-requested' }
  | { type: 'app-quitting' };

export const initialUpdateState: UpdateState = { busy: false, current: { phase: 'idle', lastCheckedAt: null } };

/** electron-updater's error text → a stable code (a bad signature is its own case, never retried silently). */
export function updateErrorCode(message: string, during: UpdatePhase['phase']): UpdateErrorCode {
  if (/signature|not signed|publisherName|code sign/i.test(message)) return 'update.signature_invalid';
  return during === 'downloading' ? 'update.download_failed' : 'update.check_failed';
}

const installing = (version: string, trigger: 'user' | 'quit'): UpdatePhase => ({ phase: 'installing', version, trigger });

export function updateReducer(state: UpdateState, event: UpdateEvent): UpdateState {
  const cur = state.current;
  // Once installing, the app is going away: nothing changes that.
  if (cur.phase === 'installing') return state;
  switch (event.type) {
    case 'busy-changed': {
      if (event.busy === state.busy) return state;
      // The call or recording just ended and the user had asked for the update: install now.
      if (!event.busy && cur.phase === 'downloaded' && cur.installWhenIdle) return { busy: false, current: installing(cur.version, 'user') };
      return { ...state, busy: event.busy };
    }
    case 'check-started':
      // A downloaded update stays ready; a download in flight is not interrupted by a periodic check.
      if (cur.phase === 'downloaded' || cur.phase === 'downloading' || cur.phase === 'checking') return state;
      return { ...state, current: { phase: 'checking' } };
    case 'update-not-available':
      if (cur.phase !== 'checking') return state;
      return { ...state, current: { phase: 'idle', lastCheckedAt: event.at } };
    case 'update-available':
      // A periodic check during a download (or after it) finds the same version again: keep the progress.
      if ((cur.phase === 'downloaded' || cur.phase === 'downloading') && cur.version === event.version) return state;
      return { ...state, current: { phase: 'downloading', version: event.version, percent: 0 } };
    case 'download-progress':
      if (cur.phase !== 'downloading') return state;
      return { ...state, current: { ...cur, percent: Math.min(100, Math.max(cur.percent, event.percent)) } };
    case 'update-downloaded':
      return { ...state, current: { phase: 'downloaded', version: event.version, installWhenIdle: false } };
    case 'failed':
      // A failed re-check does not throw away an update that is already downloaded and verified.
      if (cur.phase === 'downloaded') return state;
      return { ...state, current: { phase: 'error', code: updateErrorCode(event.message, cur.phase), message: event.message } };
    case 'install-requested':
      if (cur.phase !== 'downloaded') return state;
      if (state.busy) return { ...state, current: { ...cur, installWhenIdle: true } };
      return { ...state, current: installing(cur.version, 'user') };
    case 'app-quitting':
      // Quitting ends any call or recording first (their own before-quit handlers), so a downloaded update installs now.
      if (cur.phase !== 'downloaded') return state;
      return { ...state, current: installing(cur.version, 'quit') };
  }
}

/** What the glue must do after a transition: only `restart-and-install` restarts the app. */
export function updateCommand(before: UpdateState, after: UpdateState): 'restart-and-install' | 'install-on-quit' | null {
  if (before.current.phase === 'installing' || after.current.phase !== 'installing') return null;
  return after.current.trigger === 'user' ? 'restart-and-install' : 'install-on-quit';
}

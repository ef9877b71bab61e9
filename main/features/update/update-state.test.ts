import { describe, expect, it } from 'vitest';
import { initialUpdateState, updateCommand, updateReducer, type UpdateEvent, type UpdateState } from './update-state';

const run = (events: UpdateEvent[], from: UpdateState = initialUpdateState) => events.reduce(updateReducer, from);
const downloaded = (busy = false) => run([{ type: 'busy-changed', busy }, { type: 'check-started' }, { type: 'update-available', version: '1.2.0' }, { type: 'update-downloaded', version: '1.2.0' }]);

describe('update state machine', () => {
  it('goes idle → checking → idle when there is nothing new, remembering when it checked', () => {
    const s = run([{ type: 'check-started' }, { type: 'update-not-available', at: '2026-12-03T10:00:00Z' }]);
    expect(s.current).toEqual({ phase: 'idle', lastCheckedAt: '2026-12-03T10:00:00Z' });
  });

  it('downloads with progress that never goes backwards, then is ready', () => {
    let s = run([{ type: 'check-started' }, { type: 'update-available', version: '1.2.0' }, { type: 'download-progress', percent: 40 }]);
    expect(s.current).toEqual({ phase: 'downloading', version: '1.2.0', percent: 40 });
    s = run([{ type: 'download-progress', percent: 30 }, { type: 'download-progress', percent: 130 }], s);
    expect(s.current).toEqual({ phase: 'downloading', version: '1.2.0', percent: 100 });
    s = updateReducer(s, { type: 'update-downloaded', version: '1.2.0' });
    expect(s.current).toEqual({ phase: 'downloaded', version: '1.2.0', installWhenIdle: false });
  });

  it('installs at once when the user asks and nothing is running', () => {
    const before = downloaded();
    const after = updateReducer(before, { type: 'install-requested' });
    expect(after.current).toEqual({ phase: 'installing', version: '1.2.0', trigger: 'user' });
    expect(updateCommand(before, after)).toBe('restart-and-install');
  });

  it('never restarts during a call or a recording: the request waits until it ends', () => {
    const before = downloaded(true);
    const waiting = updateReducer(before, { type: 'install-requested' });
    expect(waiting.current).toEqual({ phase: 'downloaded', version: '1.2.0', installWhenIdle: true });
    expect(updateCommand(before, waiting)).toBeNull();
    // Progress events and periodic checks while busy do not install either.
    const still = run([{ type: 'check-started' }, { type: 'failed', message: 'net::ERR_INTERNET_DISCONNECTED' }, { type: 'busy-changed', busy: true }], waiting);
    expect(still.current.phase).toBe('downloaded');
    const ended = updateReducer(still, { type: 'busy-changed', busy: false });
    expect(ended.current).toEqual({ phase: 'installing', version: '1.2.0', trigger: 'user' });
    expect(updateCommand(still, ended)).toBe('restart-and-install');
  });

  it('a downloaded update the user did not ask for waits for quit, even when a call ends', () => {
    const s = run([{ type: 'busy-changed', busy: false }], downloaded(true));
    expect(s.current.phase).toBe('downloaded');
    const quit = updateReducer(s, { type: 'app-quitting' });
    expect(quit.current).toEqual({ phase: 'installing', version: '1.2.0', trigger: 'quit' });
    expect(updateCommand(s, quit)).toBe('install-on-quit');
  });

  it('quitting with nothing downloaded installs nothing', () => {
    const s = run([{ type: 'check-started' }, { type: 'update-available', version: '1.2.0' }, { type: 'app-quitting' }]);
    expect(s.current.phase).toBe('downloading');
  });

  it('ignores an install request when no update is downloaded', () => {
    const s = run([{ type: 'check-started' }, { type: 'install-requested' }]);
    expect(s.current).toEqual({ phase: 'checking' });
  });

  it('reports a failed check or download with a stable code, and a bad signature as its own code', () => {
    expect(run([{ type: 'check-started' }, { type: 'failed', message: 'HttpError: 503' }]).current).toMatchObject({ phase: 'error', code: 'update.check_failed' });
    expect(run([{ type: 'update-available', version: '2.0.0' }, { type: 'failed', message: 'socket hang up' }]).current).toMatchObject({ phase: 'error', code: 'update.download_failed' });
    const sig = run([{ type: 'update-available', version: '2.0.0' }, { type: 'failed', message: 'New version 2.0.0 is not signed by the application owner: publisherNames: Feedback Evaluation GmbH' }]);
    expect(sig.current).toMatchObject({ phase: 'error', code: 'update.signature_invalid' });
    // The next check starts afresh.
    expect(updateReducer(sig, { type: 'check-started' }).current).toEqual({ phase: 'checking' });
  });

  it('a periodic check does not interrupt a download or forget a downloaded update', () => {
    const dl = run([{ type: 'update-available', version: '1.2.0' }, { type: 'download-progress', percent: 50 }]);
    expect(updateReducer(dl, { type: 'check-started' })).toBe(dl);
    // electron-updater reports the same version again after that check: the progress stays.
    expect(updateReducer(dl, { type: 'update-available', version: '1.2.0' })).toBe(dl);
    const ready = downloaded();
    expect(run([{ type: 'check-started' }, { type: 'update-available', version: '1.2.0' }], ready)).toEqual(ready);
  });

  it('nothing leaves the installing phase', () => {
    const inst = updateReducer(downloaded(), { type: 'install-requested' });
    for (const e of [{ type: 'failed', message: 'x' }, { type: 'check-started' }, { type: 'busy-changed', busy: true }] as UpdateEvent[]) expect(updateReducer(inst, e)).toBe(inst);
  });
});

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { UpdateStatus } from '../../../app/contracts/ipc/update';
import { createUpdateController, type UpdaterPort } from './update-controller';

/** electron-updater's AppUpdater is an EventEmitter with these calls; this one records what it was asked. */
class RecordingUpdater extends EventEmitter {
  checks = 0;
  installs: [boolean | undefined, boolean | undefined][] = [];
  async checkForUpdates() {
    this.checks++;
    return null;
  }
  quitAndInstall(silent?: boolean, runAfter?: boolean) {
    this.installs.push([silent, runAfter]);
  }
}

function setup(enabled = true) {
  const updater = new RecordingUpdater();
  const seen: UpdateStatus[] = [];
  const intervals: { fn: () => void; ms: number }[] = [];
  const c = createUpdateController({ updater: updater as unknown as UpdaterPort, channel: 'stable', enabled, onChange: (s) => seen.push(s), setInterval: (fn, ms) => (intervals.push({ fn, ms }), {}), clearInterval: () => undefined });
  const downloaded = () => {
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.3.0' });
    updater.emit('download-progress', { percent: 55.5 });
    updater.emit('update-downloaded', { version: '1.3.0' });
  };
  return { updater, c, seen, intervals, downloaded };
}

describe('update controller', () => {
  it('checks at start and every 4 hours', () => {
    const { c, updater, intervals } = setup();
    c.start();
    c.start();
    expect(updater.checks).toBe(1);
    expect(intervals).toHaveLength(1);
    expect(intervals[0]?.ms).toBe(4 * 3600_000);
    intervals[0]?.fn();
    expect(updater.checks).toBe(2);
  });

  it('publishes download progress to the UI', () => {
    const { updater, seen } = setup();
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.3.0' });
    updater.emit('download-progress', { percent: 55.5 });
    expect(seen.at(-1)).toEqual({ phase: 'downloading', version: '1.3.0', percent: 55.5, busy: false, channel: 'stable' });
  });

  it('restarts into the update only when the user asks and no recording runs', () => {
    const { c, updater, downloaded } = setup();
    downloaded();
    c.setRecordingActive(true);
    expect(c.install()).toMatchObject({ phase: 'downloaded', installWhenIdle: true, busy: true });
    expect(updater.installs).toEqual([]);
    c.setCallActive(true);
    c.setRecordingActive(false);
    // The call still runs.
    expect(updater.installs).toEqual([]);
    c.setCallActive(false);
    expect(updater.installs).toEqual([[false, true]]);
  });

  it('on quit it leaves the install to electron-updater (autoInstallOnAppQuit) and does not restart', () => {
    const { c, updater, downloaded } = setup();
    downloaded();
    expect(c.quitting()).toMatchObject({ phase: 'installing' });
    expect(updater.installs).toEqual([]);
  });

  it('does nothing when managed policy turned updates off', async () => {
    const { c, updater, intervals } = setup(false);
    c.start();
    expect(await c.check()).toEqual({ phase: 'disabled', busy: false, channel: 'stable' });
    expect(updater.checks).toBe(0);
    expect(intervals).toHaveLength(0);
  });

  it('reports an updater error with its code', () => {
    const { updater, c } = setup();
    updater.emit('checking-for-update');
    updater.emit('error', new Error('HttpError: 404 Not Found'));
    expect(c.status()).toMatchObject({ phase: 'error', error: { code: 'update.check_failed' } });
  });

  it('hands each failure with its code to the log, and nothing else', () => {
    const updater = new RecordingUpdater();
    const logged: { code: string; message: string }[] = [];
    createUpdateController({ updater: updater as unknown as UpdaterPort, channel: 'stable', enabled: true, onError: (e) => logged.push(e) });
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.4.4' });
    expect(logged).toEqual([]);
    // NsisUpdater's refusal of an installer signed by another publisher (docs/it-guide.md, Windows negative test).
    const refusal = 'New version 1.4.4 is not signed by the application owner: publisherNames: Feedback Evaluation, raw info: {}';
    updater.emit('error', new Error(refusal));
    updater.emit('checking-for-update');
    updater.emit('error', new Error('net::ERR_NAME_NOT_RESOLVED'));
    expect(logged).toEqual([{ code: 'update.signature_invalid', message: refusal }, { code: 'update.check_failed', message: 'net::ERR_NAME_NOT_RESOLVED' }]);
  });
});

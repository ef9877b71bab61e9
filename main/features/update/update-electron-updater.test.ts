import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { HttpExecutor, configureRequestOptions, configureRequestUrl, type DownloadOptions } from 'builder-util-runtime';
import { AppImageUpdater, type AppUpdater } from 'electron-updater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpdateStatus } from '../../../app/contracts/ipc/update';
import type { ReleaseManifest } from '../../../app/contracts/release-manifest';
import { startApiHarness, type ApiHarness } from '../../../backend/src/testing/api-harness';
import { configureUpdater } from './update-config';
import { createUpdateController } from './update-controller';
import { updateFeedUrl } from './update-feed-url';

/**
 * electron-updater's own Linux updater (AppImageUpdater: check, download with its sha512 check,
 * install on quit) run in Node against the real backend feed, configured by the app's
 * configureUpdater and driven through the app's update controller. Electron itself is replaced
 * only where electron-updater takes it as a parameter: the app adapter (version, paths, quit) and
 * the HTTP executor (Node's http instead of Electron's net). Not covered here: Windows (NSIS,
 * Authenticode) and macOS (Squirrel.Mac, code signature) — docs/it-guide.md "Proving it on the three platforms".
 */
class NodeHttpExecutor extends HttpExecutor<ClientRequest> {
  createRequest(options: http.RequestOptions, callback: (r: IncomingMessage) => void): ClientRequest {
    return http.request(options, callback);
  }
  // As electron-updater's ElectronHttpExecutor.download, over Node's http.
  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise((resolve, reject, onCancel) => {
      const requestOptions = { headers: options.headers || undefined, redirect: 'manual' };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(requestOptions, { destination, options, onCancel, callback: (e) => (e ? reject(e) : resolve(destination)), responseHandler: null }, 0);
    });
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-updater-'));
const artefacts = path.join(dir, 'artefacts');
const manifestFile = path.join(dir, 'release-manifest.json');
const org = randomUUID();
/** An "AppImage" that, when electron-updater runs it after installing, leaves a mark. */
const appImage = (v: string) => `#!/bin/sh\necho "${v}" > "${path.join(dir, 'ran')}"\n# ${'x'.repeat(200_000)}\n`;
const file = (name: string, body: string) => {
  writeFileSync(path.join(artefacts, name), body);
  return { url: name, sha512: createHash('sha512').update(body).digest('base64'), sha256: createHash('sha256').update(body).digest('hex'), size: Buffer.byteLength(body) };
};
let manifest: ReleaseManifest;
const writeManifest = (stable: Partial<ReleaseManifest['channels']['stable']>) => writeFileSync(manifestFile, JSON.stringify({ ...manifest, channels: { stable: { ...manifest.channels.stable, ...stable } } }));

let h: ApiHarness;
beforeAll(async () => {
  mkdirSync(artefacts);
  const release = (v: string) => ({ version: v, releaseDate: '2026-12-01T10:00:00.000Z', files: { linux: [file(`Feedback-Evaluation-${v}-linux-x86_64.AppImage`, appImage(v))] } });
  manifest = { schemaVersion: 1, releases: [release('1.0.0'), release('1.1.0')], channels: { stable: { version: '1.1.0', previous: '1.0.0', rolloutPercent: 100, orgRollout: {}, halted: false } } };
  writeManifest({});
  h = await startApiHarness({ updates: { manifestFile, artefactsDir: artefacts } });
});
afterAll(async () => {
  delete process.env.APPIMAGE;
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One installed 1.0.0 AppImage with its own data folders, electron-updater and controller. */
function install(name: string) {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, 'cache'), { recursive: true });
  const installed = path.join(root, 'Feedback-Evaluation-1.0.0-linux-x86_64.AppImage');
  writeFileSync(installed, appImage('1.0.0'));
  chmodSync(installed, 0o755);
  process.env.APPIMAGE = installed;
  // What electron-builder writes into the app from electron-builder.yml's publish section.
  const updateYml = path.join(root, 'app-update.yml');
  writeFileSync(updateYml, 'provider: generic\nurl: https://updates.invalid/feedback-evaluation\nupdaterCacheDirName: feedback-evaluation-updater\n');
  const quitHandlers: ((code: number) => void)[] = [];
  const app = { version: '1.0.0', name: 'Feedback Evaluation', isPackaged: true, appUpdateConfigPath: updateYml, userDataPath: root, baseCachePath: path.join(root, 'cache'), whenReady: () => Promise.resolve(), relaunch: () => undefined, quit: () => undefined, onQuit: (f: (code: number) => void) => void quitHandlers.push(f) };
  const updater = new AppImageUpdater(null, app);
  (updater as unknown as { httpExecutor: HttpExecutor<ClientRequest> }).httpExecutor = new NodeHttpExecutor();
  const log: string[] = [];
  updater.logger = { info: (m: unknown) => void log.push(String(m)), warn: (m: unknown) => void log.push(String(m)), error: (m: unknown) => void log.push(String(m)) };
  const port = configureUpdater(updater as AppUpdater, updateFeedUrl(h.url, { channel: 'stable', orgId: org, installId: randomUUID() }), { allowPrerelease: false });
  // BaseUpdater.quitAndInstall installs and then asks Electron to quit (require('electron')): keep the install, record the restart.
  const restarts: [boolean | undefined, boolean | undefined][] = [];
  port.quitAndInstall = (silent, runAfter) => {
    restarts.push([silent, runAfter]);
    updater.install(silent, runAfter);
  };
  const seen: UpdateStatus[] = [];
  const waiters: { pred: (s: UpdateStatus) => boolean; resolve: (s: UpdateStatus) => void }[] = [];
  const controller = createUpdateController({ updater: port, channel: 'stable', enabled: true, onChange: (s) => {
    seen.push(s);
    for (const w of waiters.splice(0)) {
      if (w.pred(s)) w.resolve(s);
      else waiters.push(w);
    }
  }, setInterval: () => ({}), clearInterval: () => undefined });
  const until = (pred: (s: UpdateStatus) => boolean) => (pred(controller.status()) ? Promise.resolve(controller.status()) : new Promise<UpdateStatus>((resolve) => waiters.push({ pred, resolve })));
  return { root, installed, controller, seen, until, restarts, log, quit: () => quitHandlers.forEach((f) => f(0)) };
}
const ran = () => (existsSync(path.join(dir, 'ran')) ? readFileSync(path.join(dir, 'ran'), 'utf8').trim() : null);

describe('electron-updater (AppImageUpdater) against the backend feed, through the update controller', () => {
  it('checks, downloads the offered AppImage, and installs it on quit (not before), running the new version', async () => {
    const i = install('on-quit');
    i.controller.start();
    const done = await i.until((s) => s.phase === 'downloaded' || s.phase === 'error');
    expect(done, i.log.join('\n')).toMatchObject({ phase: 'downloaded', version: '1.1.0', installWhenIdle: false });
    expect(i.seen.map((s) => s.phase)).toEqual(expect.arrayContaining(['checking', 'downloading', 'downloaded']));
    expect(readFileSync(i.installed, 'utf8')).toBe(appImage('1.0.0'));
    // Quitting: the controller does not restart; electron-updater's own quit handler installs.
    expect(i.controller.quitting()).toMatchObject({ phase: 'installing', version: '1.1.0' });
    expect(i.restarts).toEqual([]);
    i.quit();
    const updated = path.join(i.root, 'Feedback-Evaluation-1.1.0-linux-x86_64.AppImage');
    expect(readFileSync(updated, 'utf8')).toBe(appImage('1.1.0'));
    expect(existsSync(i.installed)).toBe(false);
    expect(ran()).toBe('1.1.0');
  });

  it('"Restart and update" during a recording waits for it to end, then installs', async () => {
    rmSync(path.join(dir, 'ran'), { force: true });
    const i = install('on-request');
    await i.controller.check();
    await i.until((s) => s.phase === 'downloaded');
    i.controller.setRecordingActive(true);
    expect(i.controller.install()).toMatchObject({ phase: 'downloaded', installWhenIdle: true, busy: true });
    expect(i.restarts).toEqual([]);
    expect(ran()).toBeNull();
    i.controller.setRecordingActive(false);
    expect(i.restarts).toEqual([[false, true]]);
    await expect.poll(ran).toBe('1.1.0');
  });

  it('an install outside the staged share, or on a halted channel, is told there is nothing new', async () => {
    writeManifest({ orgRollout: { [org]: 0 } });
    const held = install('held-back');
    await held.controller.check();
    expect(held.controller.status(), held.log.join('\n')).toMatchObject({ phase: 'idle', lastCheckedAt: expect.any(String) });
    writeManifest({ halted: true });
    const halted = install('halted');
    await halted.controller.check();
    expect(halted.controller.status()).toMatchObject({ phase: 'idle', lastCheckedAt: expect.any(String) });
    writeManifest({});
  });

  it('refuses a download whose bytes do not match the feed\'s sha512', async () => {
    const name = 'Feedback-Evaluation-1.1.0-linux-x86_64.AppImage';
    const good = readFileSync(path.join(artefacts, name), 'utf8');
    writeFileSync(path.join(artefacts, name), good.replace('1.1.0', '6.6.6'));
    try {
      const i = install('tampered');
      await i.controller.check();
      const s = await i.until((x) => x.phase === 'error' || x.phase === 'downloaded');
      expect(s).toMatchObject({ phase: 'error', error: { code: 'update.download_failed', message: expect.stringMatching(/sha512 checksum mismatch/) } });
      expect(readFileSync(i.installed, 'utf8')).toBe(appImage('1.0.0'));
    } finally {
      writeFileSync(path.join(artefacts, name), good);
    }
  });
});

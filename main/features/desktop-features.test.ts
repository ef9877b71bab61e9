import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadItem } from '../../app/contracts/ipc/uploads';
import { startApiHarness, type ApiHarness } from '../../backend/src/testing/api-harness';
import { makeStereoOpusWebm } from '../../backend/src/testing/audio-fixtures';
import { createAesGcmCipher } from '../services/secret-store';
import { createDesktopFeatures, type DesktopFeatures } from './desktop-features';
import type { UpdaterPort } from './update/update-controller';

let h: ApiHarness;
let token: string;
let webm: Buffer;
const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-features-'));
const key = randomBytes(32);
const running: DesktopFeatures[] = [];

beforeAll(async () => {
  h = await startApiHarness();
  token = (await h.user()).token;
  webm = readFileSync((await makeStereoOpusWebm(dir, { streamed: true, name: 'call.webm' })).path);
});
afterAll(async () => {
  for (const f of running) await f.stop();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newSession(): Promise<string> {
  const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
  const res = await fetch(`${h.url}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Desktop', rubricId: 'communication-general', participants: [{ channel: 0, displayName: 'A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'B', roleLabel: 'Patient', consent }] }),
  });
  return ((await res.json()) as { id: string }).id;
}
const serverSha = async (id: string) => ((await (await fetch(`${h.url}/v1/sessions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { recording: { sha256: string } | null }).recording?.sha256;

function launch(dataDir: string) {
  const f = createDesktopFeatures({ dataDir, secretCipher: createAesGcmCipher(key), uploadRetryDelaysMs: [50], uploadChunkSize: 32 * 1024 });
  running.push(f);
  const uploaded = (sessionId: string) =>
    new Promise<UploadItem>((resolve) => {
      const off = f.events.subscribe((event, payload) => {
        const item = payload as UploadItem;
        if (event === 'uploads:progress' && item.sessionId === sessionId && item.state === 'completed') {
          off();
          resolve(item);
        }
      });
    });
  return { f, uploaded };
}

describe('desktop features wired together', () => {
  it('records through the handlers and uploads the finished recording by itself', async () => {
    const data = mkdtempSync(path.join(dir, 'app-'));
    const { f, uploaded } = launch(data);
    await f.handlers['settings:update']({ backendUrl: h.url });
    await f.handlers['secrets:set']({ name: 'api.token', value: token });
    f.start();
    const id = await newSession();
    const done = uploaded(id);
    await f.handlers['recordings:start']({ sessionId: id, mimeType: 'audio/webm;codecs=opus' });
    for (let seq = 0, at = 0; at < webm.length; seq++, at += 4000) await f.handlers['recordings:append']({ sessionId: id, seq, chunk: webm.subarray(at, at + 4000) });
    const ref = await f.handlers['recordings:finish']({ sessionId: id });
    expect((await done).sha256).toBe(ref.sha256);
    expect(await serverSha(id)).toBe(ref.sha256);
  });

  it('after a crash, the next launch recovers the cut recording and the backend accepts its upload', async () => {
    const data = mkdtempSync(path.join(dir, 'app-'));
    const first = launch(data).f;
    await first.handlers['settings:update']({ backendUrl: h.url });
    await first.handlers['secrets:set']({ name: 'api.token', value: token });
    const id = await newSession();
    await first.handlers['recordings:start']({ sessionId: id, mimeType: 'audio/webm;codecs=opus' });
    const cut = Math.floor(webm.length * 0.7) + 5;
    for (let seq = 0, at = 0; at < cut; seq++, at += 4000) await first.handlers['recordings:append']({ sessionId: id, seq, chunk: webm.subarray(at, Math.min(at + 4000, cut)) });
    // "Crash": this instance is never finished nor stopped.

    const { f: second, uploaded } = launch(data);
    second.start();
    const [found] = await second.handlers['recordings:list']({});
    expect(found).toMatchObject({ sessionId: id, state: 'interrupted' });
    const done = uploaded(id);
    const ref = await second.handlers['recordings:recover']({ sessionId: id });
    expect(ref.recovered).toBe(true);
    expect((await done).sha256).toBe(ref.sha256);
    expect(await serverSha(id)).toBe(ref.sha256);
  });
});

describe('updates and recordings', () => {
  it('holds a downloaded update back while a recording runs and installs once it is finished', async () => {
    const updater = Object.assign(new EventEmitter(), { checks: 0, installs: 0, checkForUpdates: async () => null, quitAndInstall: () => void updater.installs++ });
    const data = mkdtempSync(path.join(dir, 'app-'));
    const f = createDesktopFeatures({ dataDir: data, secretCipher: createAesGcmCipher(key), updater: { port: updater as unknown as UpdaterPort, channel: 'beta' } });
    running.push(f);
    const id = randomUUID();
    await f.handlers['recordings:start']({ sessionId: id, mimeType: 'audio/webm;codecs=opus' });
    updater.emit('update-available', { version: '9.9.9' });
    updater.emit('update-downloaded', { version: '9.9.9' });
    expect(await f.handlers['update:install']({})).toMatchObject({ phase: 'downloaded', busy: true, installWhenIdle: true, channel: 'beta' });
    await f.handlers['recordings:append']({ sessionId: id, seq: 0, chunk: webm.subarray(0, 4000) });
    expect(updater.installs).toBe(0);
    await f.handlers['recordings:finish']({ sessionId: id });
    expect(updater.installs).toBe(1);
    expect(await f.handlers['update:status']({})).toMatchObject({ phase: 'installing', version: '9.9.9' });
  });

  it('answers disabled without an updater', async () => {
    const f = createDesktopFeatures({ dataDir: mkdtempSync(path.join(dir, 'app-')), secretCipher: createAesGcmCipher(key) });
    running.push(f);
    expect(await f.handlers['update:check']({})).toEqual({ phase: 'disabled', busy: false, channel: 'stable' });
  });
});

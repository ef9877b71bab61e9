import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../app/contracts/ipc/settings';
import { createSettingsStore } from './settings-store';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('settings store', () => {
  it('starts from defaults, persists changes and reports them', async () => {
    const file = path.join(dir, 'settings.json');
    const changes: Settings[] = [];
    const store = createSettingsStore({ file, onChange: (s) => changes.push(s) });
    expect(await store.get()).toEqual({ backendUrl: 'http://127.0.0.1:8787', autoUpload: true });
    await store.update({ backendUrl: 'https://feedback.example.org' });
    expect(changes).toEqual([{ backendUrl: 'https://feedback.example.org', autoUpload: true }]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ backendUrl: 'https://feedback.example.org', autoUpload: true });
    expect(await createSettingsStore({ file }).get()).toEqual({ backendUrl: 'https://feedback.example.org', autoUpload: true });
  });

  it('refuses a bad value and keeps the old one', async () => {
    const store = createSettingsStore({ file: path.join(dir, 's2.json') });
    await expect(store.update({ backendUrl: 'ftp://x.example' })).rejects.toThrow(/https/);
    // A backend on another machine only over https (and so wss); plain http only on this one.
    await expect(store.update({ backendUrl: 'http://feedback.example.org' })).rejects.toThrow(/must use https/);
    await expect(store.update({ backendUrl: 'http://10.0.0.7:8787' })).rejects.toThrow(/must use https/);
    expect((await store.update({ backendUrl: 'http://localhost:8787' })).backendUrl).toBe('http://localhost:8787');
    await store.update({ backendUrl: 'http://127.0.0.1:8787' });
    expect((await store.get()).backendUrl).toBe('http://127.0.0.1:8787');
  });

  it('fails loudly, naming the key, when the file is invalid', async () => {
    const file = path.join(dir, 's3.json');
    writeFileSync(file, JSON.stringify({ backendUrl: 42 }));
    await expect(createSettingsStore({ file }).get()).rejects.toMatchObject({ code: 'config.invalid', message: expect.stringMatching(/backendUrl/) });
  });
});

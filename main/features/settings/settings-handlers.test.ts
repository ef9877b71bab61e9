import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSettingsStore } from '../../services/settings-store';
import { policyFromValues } from '../policy/managed-policy';
import { createSettingsHandlers } from './settings-handlers';

const store = () => createSettingsStore({ file: path.join(mkdtempSync(path.join(os.tmpdir(), 'fe-settings-')), 'settings.json') });

describe('settings under managed policy', () => {
  it('answers the managed backend URL over the user\'s, refuses to change it, and lists what is managed', async () => {
    const settings = store();
    await settings.update({ backendUrl: 'https://mine.example.org' });
    const h = createSettingsHandlers({ settings, policy: policyFromValues({ BackendUrl: 'https://feedback.example-hospital.org', LocalDraft: 0 }, 'HKLM\\Software\\Policies\\FeedbackEvaluation') });
    expect((await h['settings:get']({})).backendUrl).toBe('https://feedback.example-hospital.org');
    await expect(h['settings:update']({ backendUrl: 'https://evil.example.org' })).rejects.toMatchObject({ code: 'settings.managed' });
    // Unmanaged keys still change, and the answer keeps the managed value.
    expect(await h['settings:update']({ autoUpload: false })).toEqual({ backendUrl: 'https://feedback.example-hospital.org', autoUpload: false });
    expect(await h['settings:managed']({})).toEqual({ fields: ['backendUrl', 'localDraft'], source: 'HKLM\\Software\\Policies\\FeedbackEvaluation', problems: [] });
    // The user's own value is kept underneath, for when the policy goes.
    expect((await settings.get()).backendUrl).toBe('https://mine.example.org');
  });

  it('without policy nothing is managed', async () => {
    const h = createSettingsHandlers({ settings: store() });
    expect(await h['settings:managed']({})).toEqual({ fields: [], source: null, problems: [] });
    expect((await h['settings:update']({ backendUrl: 'https://x.example.org' })).backendUrl).toBe('https://x.example.org');
  });
});

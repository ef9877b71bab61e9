import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { offeredRelease } from '../../backend/src/updates/update-feed';
import { addRelease, releaseOf } from './release-manifest-writer';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-release-'));
const artefact = (name: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `bytes of ${name}`);
  return file;
};

describe('release manifest writer', () => {
  it('records sha256 and sha512 of every artefact, the update artefact of each platform first', async () => {
    const files = ['Feedback-Evaluation-1.0.0-win-x64.msi', 'Feedback-Evaluation-Setup-1.0.0.exe', 'Feedback-Evaluation-1.0.0-mac-universal.dmg', 'Feedback-Evaluation-1.0.0-mac-universal.zip', 'Feedback-Evaluation-1.0.0-linux-x86_64.AppImage', 'Feedback-Evaluation-1.0.0-linux-amd64.deb', 'builder-debug.yml'].map(artefact);
    const r = await releaseOf('1.0.0', files, { releaseDate: '2026-12-03T12:00:00.000Z' });
    expect(r.files.win?.map((f) => f.url)).toEqual(['Feedback-Evaluation-Setup-1.0.0.exe', 'Feedback-Evaluation-1.0.0-win-x64.msi']);
    expect(r.files.mac?.map((f) => f.url)).toEqual(['Feedback-Evaluation-1.0.0-mac-universal.zip', 'Feedback-Evaluation-1.0.0-mac-universal.dmg']);
    expect(r.files.linux?.[0]?.url).toBe('Feedback-Evaluation-1.0.0-linux-x86_64.AppImage');
    const exe = r.files.win![0]!;
    expect(exe.sha256).toBe(createHash('sha256').update('bytes of Feedback-Evaluation-Setup-1.0.0.exe').digest('hex'));
    expect(exe.sha512).toBe(createHash('sha512').update('bytes of Feedback-Evaluation-Setup-1.0.0.exe').digest('base64'));
  });

  it('stages a new release behind the previous one, which the feed then serves to installs outside the share', async () => {
    const first = addRelease(null, await releaseOf('1.0.0', [artefact('Feedback-Evaluation-Setup-1.0.0.exe')], { releaseDate: '2026-12-01T12:00:00.000Z' }), { channel: 'stable', rolloutPercent: 100 });
    const second = addRelease(first, await releaseOf('1.1.0', [artefact('Feedback-Evaluation-Setup-1.1.0.exe')], { releaseDate: '2026-12-03T12:00:00.000Z' }), { channel: 'stable', rolloutPercent: 0 });
    expect(second.channels.stable).toMatchObject({ version: '1.1.0', previous: '1.0.0', rolloutPercent: 0 });
    expect(offeredRelease(second, { channel: 'stable', orgId: null, installId: randomUUID() }).version).toBe('1.0.0');
    expect(() => addRelease(null, second.releases[1]!, { channel: 'beta', rolloutPercent: 100 })).toThrow(/stable/);
  });
});

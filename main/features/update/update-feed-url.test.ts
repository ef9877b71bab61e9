import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installIdOf, updateFeedUrl } from './update-feed-url';

describe('update feed URL', () => {
  const installId = '0b9a6c52-1f1e-4d3a-9c47-2f5e8d7a6b10';

  it('points the generic provider at /v1/updates/<channel>/<org>/<install>/ on the backend', () => {
    expect(updateFeedUrl('https://feedback.example-hospital.org/', { channel: 'stable', orgId: '3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f809a1b', installId })).toBe(`https://feedback.example-hospital.org/v1/updates/stable/3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f809a1b/${installId}/`);
  });

  it('uses `any` before IT set an org, keeps a pinned version as the channel, and escapes what it puts in the path', () => {
    expect(updateFeedUrl('https://h.example//', { channel: '1.4.2', orgId: undefined, installId })).toBe(`https://h.example/v1/updates/1.4.2/any/${installId}/`);
    expect(updateFeedUrl('https://h.example', { channel: 'a/b', orgId: '../x', installId })).toBe(`https://h.example/v1/updates/a%2Fb/..%2Fx/${installId}/`);
  });
});

describe('install id', () => {
  it('is made once, kept, and remade only when the file is not a valid one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-install-id-'));
    const file = path.join(dir, 'install-id.json');
    const first = await installIdOf(file);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await installIdOf(file)).toBe(first);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ installId: first });
    writeFileSync(file, '{"installId":"not-a-uuid"}');
    const second = await installIdOf(file);
    expect(second).not.toBe(first);
    expect(await installIdOf(file)).toBe(second);
  });
});

import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ReleaseManifest } from '../../../app/contracts/release-manifest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { rolloutBucket } from './update-feed';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-updates-'));
const artefacts = path.join(dir, 'artefacts');
const manifestFile = path.join(dir, 'release-manifest.json');
const orgA = randomUUID();
const orgB = randomUUID();
const bytes = (v: string) => Buffer.from(`installer ${v} `.repeat(1000));
const file = (name: string, v: string) => {
  const b = bytes(v);
  writeFileSync(path.join(artefacts, name), b);
  return { url: name, sha512: createHash('sha512').update(b).digest('base64'), sha256: createHash('sha256').update(b).digest('hex'), size: b.length };
};
const release = (v: string) => ({ version: v, releaseDate: '2026-12-01T10:00:00.000Z', files: { win: [file(`Feedback-Evaluation-Setup-${v}.exe`, v)], mac: [file(`Feedback-Evaluation-${v}-mac.zip`, v)], linux: [file(`Feedback-Evaluation-${v}.AppImage`, v)] } });
let manifest: ReleaseManifest;
const writeManifest = (m: unknown) => writeFileSync(manifestFile, JSON.stringify(m));

let h: ApiHarness;
beforeAll(async () => {
  mkdirSync(artefacts);
  manifest = { schemaVersion: 1, releases: [release('1.0.0'), release('1.1.0'), release('1.2.0-beta.1')], channels: { stable: { version: '1.1.0', previous: '1.0.0', rolloutPercent: 30, orgRollout: { [orgB]: 100 }, halted: false }, beta: { version: '1.2.0-beta.1', previous: '1.1.0', rolloutPercent: 100, orgRollout: {}, halted: false } } };
  writeManifest(manifest);
  h = await startApiHarness({ updates: { manifestFile, artefactsDir: artefacts } });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const feed = async (channel: string, org: string, install: string, name = 'latest.yml') => {
  const res = await fetch(`${h.url}/v1/updates/${channel}/${org}/${install}/${name}`);
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : parse(await res.text()) };
};
/** Install ids inside and outside a share of a version's rollout. */
const installs = (version: string, n: number) => Array.from({ length: n }, () => randomUUID()).map((id) => ({ id, bucket: rolloutBucket(id, version) }));

describe('update feed', () => {
  it('serves latest.yml, latest-mac.yml and latest-linux.yml in electron-builder\'s format', async () => {
    const inside = installs('1.1.0', 50).find((i) => i.bucket < 30)!;
    const win = await feed('stable', orgA, inside.id);
    expect(win.status).toBe(200);
    const exe = manifest.releases[1]!.files.win![0]!;
    expect(win.body).toEqual({ version: '1.1.0', files: [{ url: exe.url, sha512: exe.sha512, size: exe.size }], path: exe.url, sha512: exe.sha512, releaseDate: '2026-12-01T10:00:00.000Z' });
    expect((await feed('stable', orgA, inside.id, 'latest-mac.yml')).body.path).toBe('Feedback-Evaluation-1.1.0-mac.zip');
    expect((await feed('stable', orgA, inside.id, 'latest-linux.yml')).body.path).toBe('Feedback-Evaluation-1.1.0.AppImage');
  });

  it('stages a rollout: the install id decides, always the same way, and the share is about right', async () => {
    const sample = installs('1.1.0', 200);
    const offered = await Promise.all(sample.map(async (i) => ({ ...i, version: (await feed('stable', orgA, i.id)).body.version as string })));
    for (const o of offered) expect(o.version).toBe(o.bucket < 30 ? '1.1.0' : '1.0.0');
    const share = offered.filter((o) => o.version === '1.1.0').length / offered.length;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.42);
    // Asking again gives the same answer.
    const again = await feed('stable', orgA, offered[0]!.id);
    expect(again.body.version).toBe(offered[0]!.version);
  });

  it('gives an org its own share (org B: everyone) and an unknown org the default', async () => {
    const outside = installs('1.1.0', 50).find((i) => i.bucket >= 30)!;
    expect((await feed('stable', orgB, outside.id)).body.version).toBe('1.1.0');
    expect((await feed('stable', 'any', outside.id)).body.version).toBe('1.0.0');
  });

  it('pins a version, and answers update.not_found for an unknown pin', async () => {
    expect((await feed('1.0.0', orgB, randomUUID())).body.version).toBe('1.0.0');
    const missing = await feed('3.0.0', orgB, randomUUID());
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('update.not_found');
  });

  it('serves the beta channel its prerelease', async () => {
    expect((await feed('beta', orgA, randomUUID())).body.version).toBe('1.2.0-beta.1');
  });

  it('the kill switch holds everyone, even a fully rolled-out org, on the previous release at the next request', async () => {
    writeManifest({ ...manifest, channels: { ...manifest.channels, stable: { ...manifest.channels.stable, halted: true } } });
    try {
      for (const i of installs('1.1.0', 20)) expect((await feed('stable', orgB, i.id)).body.version).toBe('1.0.0');
    } finally {
      writeManifest(manifest);
    }
    const inside = installs('1.1.0', 50).find((i) => i.bucket < 30)!;
    expect((await feed('stable', orgA, inside.id)).body.version).toBe('1.1.0');
  });

  it('serves a listed artefact with range support, and nothing else', async () => {
    const install = randomUUID();
    const name = 'Feedback-Evaluation-Setup-1.1.0.exe';
    const res = await fetch(`${h.url}/v1/updates/stable/${orgA}/${install}/${name}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes('1.1.0'))).toBe(true);
    const part = await fetch(`${h.url}/v1/updates/stable/${orgA}/${install}/${name}`, { headers: { range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('installer ');
    writeFileSync(path.join(artefacts, 'secret.txt'), 'not a release');
    const unlisted = await fetch(`${h.url}/v1/updates/stable/${orgA}/${install}/secret.txt`);
    expect(unlisted.status).toBe(404);
    expect(((await unlisted.json()) as { code: string }).code).toBe('update.not_found');
    const traversal = await fetch(`${h.url}/v1/updates/stable/${orgA}/${install}/..%2Frelease-manifest.json`);
    expect(traversal.status).toBe(400);
  });

  it('refuses a malformed install id or channel with request.invalid', async () => {
    for (const p of [`stable/${orgA}/not-a-uuid/latest.yml`, `nightly/${orgA}/${randomUUID()}/latest.yml`, `stable/acme/${randomUUID()}/latest.yml`]) {
      const res = await fetch(`${h.url}/v1/updates/${p}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('request.invalid');
    }
  });

  it('answers update.manifest_invalid (503) for a broken manifest instead of serving anything', async () => {
    writeManifest({ ...manifest, channels: { stable: { version: '9.9.9' } } });
    try {
      const res = await feed('stable', orgA, randomUUID());
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('update.manifest_invalid');
    } finally {
      writeManifest(manifest);
    }
  });
});

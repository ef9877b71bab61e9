import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';

// An unfinished upload is plaintext audio on the server until it completes: private to this user
// and deleted once it expires (FE_UPLOAD_EXPIRY_SEC).
let h: ApiHarness;
const EXPIRY_SEC = 2;
beforeAll(async () => {
  h = await startApiHarness({ uploadExpirySec: EXPIRY_SEC });
});
afterAll(async () => h?.close());

const uploadsDir = () => path.join(h.dir, 'uploads');
const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };

async function startUpload(token: string, bytes: Buffer): Promise<string> {
  const s = await fetch(`${h.url}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Unfinished', rubricId: 'communication-general', participants: [{ channel: 0, displayName: 'A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'B', roleLabel: 'Patient', consent }] }),
  });
  const sessionId = ((await s.json()) as { id: string }).id;
  const meta = `sessionId ${Buffer.from(sessionId).toString('base64')},sha256 ${Buffer.from('a'.repeat(64)).toString('base64')}`;
  const created = await fetch(`${h.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length * 4), 'upload-metadata': meta } });
  expect(created.status).toBe(201);
  expect(Date.parse(created.headers.get('upload-expires') ?? '')).toBeGreaterThan(Date.now());
  const location = created.headers.get('location')!;
  const patched = await fetch(location, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: bytes });
  expect(patched.status).toBe(204);
  return location;
}

describe('unfinished uploads', () => {
  it('are written mode 600 (data and metadata) in a folder only this user can enter', async () => {
    const u = await h.user();
    const location = await startUpload(u.token, Buffer.from('RIFF-private-audio-'.repeat(100)));
    const id = location.split('/').pop()!;
    const files = readdirSync(uploadsDir()).filter((f) => f.startsWith(id));
    expect(files.sort()).toEqual([id, `${id}.json`]);
    for (const f of files) expect(statSync(path.join(uploadsDir(), f)).mode & 0o777).toBe(0o600);
    expect(statSync(uploadsDir()).mode & 0o777).toBe(0o700);
  });

  it('are deleted once they expire, and the client then finds them gone', async () => {
    const u = await h.user();
    const location = await startUpload(u.token, Buffer.from('half a recording'));
    const id = location.split('/').pop()!;
    expect(await h.api.upload.sweepExpired()).toBe(0);
    await new Promise((r) => setTimeout(r, EXPIRY_SEC * 1000 + 200));
    expect(await h.api.upload.sweepExpired()).toBeGreaterThanOrEqual(1);
    expect(readdirSync(uploadsDir()).filter((f) => f.startsWith(id))).toEqual([]);
    const head = await fetch(location, { method: 'HEAD', headers: { authorization: `Bearer ${u.token}`, 'tus-resumable': '1.0.0' } });
    expect([404, 410]).toContain(head.status);
  });

  it('tightens files an older version left readable', async () => {
    const { tightenUploadsFolder } = await import('./private-file-store');
    const dir = path.join(h.dir, 'old-uploads');
    mkdirSync(dir, { mode: 0o777 });
    chmodSync(dir, 0o777);
    writeFileSync(path.join(dir, 'abc'), 'old audio', { mode: 0o644 });
    expect(await tightenUploadsFolder(dir)).toBe(1);
    expect(statSync(path.join(dir, 'abc')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { tusUpload } from '../testing/tus-upload';
import { makeMonoWav, makeNotAudio, makeOneSilentChannelWav, makeStereoOpusWebm, makeStereoSpeechWav } from '../testing/audio-fixtures';
import { createSessionWithParticipants } from '../db/repositories/sessions';

let h: ApiHarness;
const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-upload-'));
const MAX = 3_000_000;
beforeAll(async () => {
  h = await startApiHarness({ maxBytes: MAX });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
async function newSession(token: string): Promise<string> {
  const res = await fetch(`${h.url}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Upload test', rubricId: 'communication-general', participants: [{ channel: 0, displayName: 'A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'B', roleLabel: 'Patient', consent }] }),
  });
  return ((await res.json()) as { id: string }).id;
}
const getSession = async (token: string, id: string) => (await (await fetch(`${h.url}/v1/sessions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string; recording: { sha256: string } | null };
const endpoint = () => `${h.url}/v1/uploads`;
const problem = (body?: string) => JSON.parse(body ?? '{}') as { code?: string };
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('recording upload (tus)', () => {
  it('accepts a stereo WAV whose sha256 matches, stores it encrypted and marks the session', async () => {
    const u = await h.user();
    const id = await newSession(u.token);
    const wav = await makeStereoSpeechWav(dir, { name: 'ok.wav' });
    const r = await tusUpload({ endpoint: endpoint(), token: u.token, file: wav.path, sessionId: id });
    expect(r).toMatchObject({ ok: true });
    const s = await getSession(u.token, id);
    expect(s.status).toBe('recording_uploaded');
    expect(s.recording?.sha256).toBe(sha(wav.path));
  });

  it('accepts stereo Opus in WebM', async () => {
    const u = await h.user();
    const id = await newSession(u.token);
    const webm = await makeStereoOpusWebm(dir, { name: 'ok.webm' });
    expect((await tusUpload({ endpoint: endpoint(), token: u.token, file: webm.path, sessionId: id })).ok).toBe(true);
  });

  it('resumes an interrupted upload from where it stopped and the sha256 matches', async () => {
    const u = await h.user();
    const id = await newSession(u.token);
    const wav = await makeStereoSpeechWav(dir, { name: 'resume.wav', gapSec: 2 });
    const first = await tusUpload({ endpoint: endpoint(), token: u.token, file: wav.path, sessionId: id, chunkSize: 64 * 1024, stopAfterBytes: 100 * 1024 });
    expect(first.ok).toBe(false);
    expect(first.url).toBeTruthy();
    const head = await fetch(first.url!, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${u.token}` } });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(readFileSync(wav.path).length);
    const second = await tusUpload({ endpoint: endpoint(), token: u.token, file: wav.path, sessionId: id, chunkSize: 64 * 1024, uploadUrl: first.url! });
    expect(second.ok).toBe(true);
    expect((await getSession(u.token, id)).recording?.sha256).toBe(sha(wav.path));
  });

  it('rejects bad uploads with their codes and keeps the recording already stored', async () => {
    const u = await h.user();
    const id = await newSession(u.token);
    const good = await makeStereoSpeechWav(dir, { name: 'first.wav' });
    expect((await tusUpload({ endpoint: endpoint(), token: u.token, file: good.path, sessionId: id })).ok).toBe(true);
    const before = await getSession(u.token, id);

    const other = await makeStereoSpeechWav(dir, { name: 'other.wav', gapSec: 1 });
    const wrongSha = await tusUpload({ endpoint: endpoint(), token: u.token, file: other.path, sessionId: id, sha256: 'a'.repeat(64) });
    expect(problem(wrongSha.body).code).toBe('recording.checksum_mismatch');

    const notAudio = await makeNotAudio(dir, { name: 'x.wav' });
    expect(problem((await tusUpload({ endpoint: endpoint(), token: u.token, file: notAudio.path, sessionId: id })).body).code).toBe('recording.unsupported_format');

    const mono = await makeMonoWav(dir, { name: 'mono.wav' });
    expect(problem((await tusUpload({ endpoint: endpoint(), token: u.token, file: mono.path, sessionId: id })).body).code).toBe('recording.mono');

    const silent = await makeOneSilentChannelWav(dir, { name: 'silent.wav' });
    expect(problem((await tusUpload({ endpoint: endpoint(), token: u.token, file: silent.path, sessionId: id })).body).code).toBe('recording.empty_channel');

    const big = await tusUpload({ endpoint: endpoint(), token: u.token, file: Buffer.alloc(MAX + 1), sessionId: id });
    expect(big.status).toBe(413);
    expect(problem(big.body).code).toBe('recording.too_large');

    const after = await getSession(u.token, id);
    expect(after.recording?.sha256).toBe(before.recording?.sha256);
    expect(after.status).toBe('recording_uploaded');
    const rows = await h.tdb.db.withOrg(u.orgId, (tx) => tx.query('SELECT count(*)::int AS n FROM recordings WHERE session_id = $1', [id]));
    expect(rows.rows[0]).toEqual({ n: 1 });
  });

  it('refuses audio for a session whose participants have not both consented', async () => {
    const u = await h.user();
    const s = await h.tdb.db.withOrg(u.orgId, (tx) =>
      createSessionWithParticipants(tx, { title: 'No consent', rubricId: 'communication-general', createdBy: u.userId, participants: [{ channel: 0, displayName: 'A', roleLabel: 'C' }, { channel: 1, displayName: 'B', roleLabel: 'P' }] }),
    );
    const wav = await makeStereoSpeechWav(dir, { name: 'nc.wav' });
    const r = await tusUpload({ endpoint: endpoint(), token: u.token, file: wav.path, sessionId: s.id });
    expect(problem(r.body).code).toBe('consent.missing');
  });

  it('does not let another org continue or create an upload into a session', async () => {
    const a = await h.user();
    const b = await h.user();
    const id = await newSession(a.token);
    const wav = await makeStereoSpeechWav(dir, { name: 'org.wav', gapSec: 2 });
    expect(problem((await tusUpload({ endpoint: endpoint(), token: b.token, file: wav.path, sessionId: id })).body).code).toBe('session.not_found');
    const started = await tusUpload({ endpoint: endpoint(), token: a.token, file: wav.path, sessionId: id, chunkSize: 64 * 1024, stopAfterBytes: 64 * 1024 });
    const head = await fetch(started.url!, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${b.token}` } });
    expect(head.status).toBe(404);
    const patch = await fetch(started.url!, { method: 'PATCH', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', authorization: `Bearer ${b.token}` }, body: new Uint8Array(10) });
    expect(problem(await patch.text()).code).toBe('upload.not_found');
    // tus-js-client, refused on the upload URL, falls back to creating an upload, which is refused too.
    const hijack = await tusUpload({ endpoint: endpoint(), token: b.token, file: wav.path, sessionId: id, chunkSize: 64 * 1024, uploadUrl: started.url! });
    expect(hijack.ok).toBe(false);
  });

  it('answers every refusal as application/problem+json with a stable code: a wrong token (401), tus\'s own 404 and its header checks', async () => {
    const a = await h.user();
    const id = await newSession(a.token);
    const wav = await makeStereoSpeechWav(dir, { name: 'json.wav', gapSec: 2 });
    const started = await tusUpload({ endpoint: endpoint(), token: a.token, file: wav.path, sessionId: id, chunkSize: 64 * 1024, stopAfterBytes: 64 * 1024 });
    const tus = { 'Tus-Resumable': '1.0.0' };
    const cases: [Response, number, string][] = [
      [await fetch(started.url!, { method: 'PATCH', headers: { ...tus, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', authorization: 'Bearer not-a-token' }, body: new Uint8Array(10) }), 401, 'auth.invalid'],
      [await fetch(`${endpoint()}/00000000000000000000000000000000`, { method: 'DELETE', headers: { ...tus, authorization: `Bearer ${a.token}` } }), 404, 'upload.not_found'],
      [await fetch(started.url!, { method: 'PATCH', headers: { ...tus, 'Upload-Offset': 'x', 'Content-Type': 'application/offset+octet-stream', authorization: `Bearer ${a.token}` }, body: new Uint8Array(10) }), 400, 'request.invalid'],
    ];
    for (const [res, status, code] of cases) {
      expect([res.status, res.headers.get('content-type')]).toEqual([status, 'application/problem+json']);
      expect(problem(await res.text())).toMatchObject({ code, status });
    }
  });
});

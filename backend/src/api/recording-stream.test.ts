import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionRecordingPath } from '../../../app/contracts/recording-api';
import { listAuditEvents } from '../db/repositories/audit';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { tusUpload } from '../testing/tus-upload';
import { createConsentedSession } from '../signaling/signaling-fixtures';
import { UPLOADS_PATH } from '../uploads/recording-upload';

const SAMPLE = path.resolve('resources/sample-session/sample-session.ogg');
const file = readFileSync(SAMPLE);

let h: ApiHarness;
let owner: { orgId: string; userId: string; token: string };
let sessionId: string;

beforeAll(async () => {
  h = await startApiHarness();
  owner = await h.user('clinician');
  sessionId = await createConsentedSession(h.url, owner.token);
  const up = await tusUpload({ endpoint: `${h.url}${UPLOADS_PATH}`, token: owner.token, file: SAMPLE, sessionId });
  expect(up.ok, up.body).toBe(true);
});
afterAll(async () => h?.close());

async function get(token: string | null, range?: string, id = sessionId) {
  const res = await fetch(`${h.url}${sessionRecordingPath(id)}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(range ? { range } : {}) } });
  const body = Buffer.from(await res.arrayBuffer());
  const header = (n: string) => res.headers.get(n);
  const json = () => JSON.parse(body.toString('utf8')) as { code: string; status: number };
  return { status: res.status, header, body, json };
}

const trail = (orgId: string) => h.tdb.db.withOrg(orgId, (tx) => listAuditEvents(tx, { limit: 1000 }));

describe('GET /v1/sessions/:id/recording', () => {
  it('sends the owner the whole stored file with its media type, length and Accept-Ranges', async () => {
    const r = await get(owner.token);
    expect(r.status).toBe(200);
    expect(r.header('content-type')).toBe('audio/ogg');
    expect(r.header('accept-ranges')).toBe('bytes');
    expect(r.header('content-length')).toBe(String(file.byteLength));
    expect(r.header('cache-control')).toBe('private, no-store');
    expect(r.body.equals(file)).toBe(true);
  });

  it('answers one byte range with 206, Content-Range and exactly that slice of the file', async () => {
    const r = await get(owner.token, 'bytes=1000-4999');
    expect(r.status).toBe(206);
    expect(r.header('content-range')).toBe(`bytes 1000-4999/${file.byteLength}`);
    expect(r.header('content-length')).toBe('4000');
    expect(r.header('content-type')).toBe('audio/ogg');
    expect(r.body.equals(file.subarray(1000, 5000))).toBe(true);

    const open = await get(owner.token, `bytes=${file.byteLength - 10}-`);
    expect(open.status).toBe(206);
    expect(open.body.equals(file.subarray(file.byteLength - 10))).toBe(true);
    const suffix = await get(owner.token, 'bytes=-300');
    expect(suffix.header('content-range')).toBe(`bytes ${file.byteLength - 300}-${file.byteLength - 1}/${file.byteLength}`);
    expect(suffix.body.equals(file.subarray(file.byteLength - 300))).toBe(true);
  });

  it('refuses a range past the end with 416, Content-Range bytes */size and a stable code', async () => {
    const r = await get(owner.token, `bytes=${file.byteLength}-`);
    expect(r.status).toBe(416);
    expect(r.header('content-range')).toBe(`bytes */${file.byteLength}`);
    expect(r.header('content-type')).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ status: 416, code: 'recording.range_not_satisfiable' });
  });

  it('sends the whole file for a Range it does not serve (several ranges)', async () => {
    const r = await get(owner.token, 'bytes=0-1,5-6');
    expect(r.status).toBe(200);
    expect(r.body.equals(file)).toBe(true);
  });

  it('is authorised like the transcript: the assigned supervisor may listen, a wrong role, another clinician and another org may not', async () => {
    const sup = await h.user('supervisor', owner.orgId);
    await h.assign(owner.orgId, sup.userId, owner.userId);
    const supervised = await get(sup.token, 'bytes=0-99');
    expect(supervised.status).toBe(206);
    expect(supervised.body.equals(file.subarray(0, 100))).toBe(true);

    const auditor = await h.user('auditor', owner.orgId);
    const colleague = await h.user('clinician', owner.orgId);
    const stranger = await h.user('org_admin');
    const transcriptOf = async (token: string) => {
      const res = await fetch(`${h.url}/v1/sessions/${sessionId}/transcript`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    };
    for (const [who, status, code] of [[auditor, 403, 'auth.forbidden'], [colleague, 404, 'session.not_found'], [stranger, 404, 'session.not_found']] as const) {
      const r = await get(who.token);
      expect(r.status).toBe(status);
      expect(r.json().code).toBe(code);
      expect(r.body.includes(file.subarray(0, 64))).toBe(false);
      // The same answer as the transcript read gives.
      expect(await transcriptOf(who.token)).toEqual({ status, code });
    }
    expect((await get(null)).json()).toMatchObject({ status: 401, code: 'auth.missing' });
  });

  it('audits every read and every refusal as a transcript read', async () => {
    const colleague = await h.user('clinician', owner.orgId);
    const before = (await trail(owner.orgId)).length;
    await get(owner.token, 'bytes=0-9');
    await get(colleague.token);
    const events = (await trail(owner.orgId)).slice(before);
    expect(events.filter((e) => e.targetId === sessionId).map((e) => [e.action, e.actorUserId, e.data.action])).toEqual([
      ['access.granted', owner.userId, 'session.read_transcript'],
      ['access.denied', colleague.userId, 'session.read_transcript'],
    ]);
  });

  it('answers recording.missing (404) before a recording was accepted', async () => {
    const empty = await createConsentedSession(h.url, owner.token);
    expect((await get(owner.token, undefined, empty)).json()).toMatchObject({ status: 404, code: 'recording.missing' });
  });
});

describe('the app token in the query (a media element sends no Authorization header)', () => {
  const viaQuery = (token: string, range?: string, route = sessionRecordingPath(sessionId)) =>
    fetch(`${h.url}${route}?access_token=${encodeURIComponent(token)}`, { headers: range ? { range } : {} });

  it('signs in with ?access_token= and answers ranges as with the header', async () => {
    const r = await viaQuery(owner.token, 'bytes=10-19');
    expect(r.status).toBe(206);
    expect(Buffer.from(await r.arrayBuffer()).equals(file.subarray(10, 20))).toBe(true);
  });

  it('refuses an unknown token in the query with auth.invalid, and another clinician\'s with session.not_found', async () => {
    const r = await viaQuery('not-a-token');
    expect(r.status).toBe(401);
    const problem = (await r.json()) as { code: string; instance: string };
    expect(problem.code).toBe('auth.invalid');
    // The problem names the request without echoing the token.
    expect(problem.instance).toBe(sessionRecordingPath(sessionId));
    const colleague = await h.user('clinician', owner.orgId);
    expect(((await (await viaQuery(colleague.token)).json()) as { code: string }).code).toBe('session.not_found');
  });

  it('is taken by this route only: the transcript read ignores ?access_token=', async () => {
    const r = await viaQuery(owner.token, undefined, `/v1/sessions/${sessionId}/transcript`);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { code: string }).code).toBe('auth.missing');
  });
});

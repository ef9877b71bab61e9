import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../db/repositories/audit';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { tusUpload } from '../testing/tus-upload';
import { createConsentedSession, createInvite, jsonCall, joinAsGuest } from '../signaling/signaling-fixtures';
import { connectSignal } from '../signaling/signal-test-client';
import { EVENTS_PATH } from '../api/events-hub';
import { UPLOADS_PATH } from '../uploads/recording-upload';
import { SignalCloseCode } from '../../../app/contracts/signaling';

/** One test per finding of issue 10 that the access model fixes; each failed on the code before it. */

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

const trail = (orgId: string) => h.tdb.db.withOrg(orgId, (tx) => listAuditEvents(tx));
const tusHeaders = (token: string, extra: Record<string, string> = {}) => ({ 'Tus-Resumable': '1.0.0', authorization: `Bearer ${token}`, ...extra });
const meta = (sessionId: string) => `sessionId ${Buffer.from(sessionId).toString('base64')},sha256 ${Buffer.from('b'.repeat(64)).toString('base64')}`;

async function createUpload(token: string, sessionId: string) {
  return fetch(`${h.url}${UPLOADS_PATH}`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Length': '100', 'Upload-Metadata': meta(sessionId) }) });
}

describe('issue 10 findings', () => {
  it('uploads respect roles: an auditor cannot upload, a user without a part cannot delete or look at another user\'s upload', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const auditor = await h.user('auditor', owner.orgId);
    const byAuditor = await createUpload(auditor.token, sessionId);
    expect(byAuditor.status).toBe(403);
    expect(((await byAuditor.json()) as { code: string }).code).toBe('auth.forbidden');

    const mine = await createUpload(owner.token, sessionId);
    expect(mine.status).toBe(201);
    const url = new URL(mine.headers.get('location')!, h.url).toString();
    const colleague = await h.user('clinician', owner.orgId);
    expect((await fetch(url, { method: 'HEAD', headers: tusHeaders(colleague.token) })).status).toBe(404);
    const del = await fetch(url, { method: 'DELETE', headers: tusHeaders(colleague.token) });
    expect(del.status).toBe(404);
    // Still there for its uploader.
    expect((await fetch(url, { method: 'HEAD', headers: tusHeaders(owner.token) })).status).toBe(200);
  });

  it('a clinician is limited to their own sessions, and reads of transcripts, analyses and reports are audited', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const colleague = await h.user('clinician', owner.orgId);
    for (const [method, p, body] of [
      ['GET', 'transcript'], ['GET', 'analysis'], ['GET', 'report.pdf'], ['GET', ''],
      ['POST', 'consents', { channel: 1, consent: { given: true, method: 'verbal', textVersion: 'v9' } }],
      ['POST', 'invites'], ['POST', 'evaluations', {}],
    ] as const) {
      const r = await jsonCall(h.url, method, `/v1/sessions/${sessionId}${p ? `/${p}` : ''}`, colleague.token, body);
      expect(r.json, `${method} ${p}`).toMatchObject({ status: 404, code: 'session.not_found' });
    }
    expect((await jsonCall(h.url, 'GET', '/v1/sessions', colleague.token)).json.sessions).toEqual([]);
    // The owner's own reads are recorded (the results do not exist yet: report.not_ready).
    expect((await jsonCall(h.url, 'GET', `/v1/sessions/${sessionId}/transcript`, owner.token)).json.code).toBe('report.not_ready');
    const events = await trail(owner.orgId);
    const granted = events.filter((e) => e.action === 'access.granted' && e.targetId === sessionId);
    expect(granted.map((e) => [e.actorUserId, e.data.action])).toEqual([[owner.userId, 'session.read_transcript']]);
    const denied = events.filter((e) => e.action === 'access.denied' && e.actorUserId === colleague.userId);
    expect(denied.map((e) => e.data.action)).toEqual(['session.read_transcript', 'session.read_analysis', 'session.read_report', 'session.read', 'session.consent', 'session.invite', 'session.evaluate']);
    // Nothing was written for the colleague: no consent, no invite, no evaluation.
    expect(events.filter((e) => !e.action.startsWith('access.') && e.actorUserId === colleague.userId)).toEqual([]);
  });

  it('no clinician can take over another clinician\'s call: the owner seat stays the creator\'s and the guest talks to them', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const guest = await joinAsGuest(h.url, (await createInvite(h.url, owner.token, sessionId)).code);
    const intruder = await connectSignal(h.url, sessionId, (await h.user('clinician', owner.orgId)).token);
    expect(await intruder.next('error')).toMatchObject({ code: 'session.not_found' });
    expect((await intruder.closed).code).toBe(SignalCloseCode.notFound);
    const a = await connectSignal(h.url, sessionId, owner.token);
    a.send({ type: 'join' });
    expect(await a.next('joined')).toMatchObject({ role: 'owner', channel: 0 });
    const b = await connectSignal(h.url, sessionId, guest.guestToken);
    b.send({ type: 'join' });
    expect(await b.next('joined')).toMatchObject({ role: 'guest', peer: { role: 'owner', displayName: 'Test clinician' } });
    a.close();
    b.close();
  });

  it('/v1/events needs a role, and delivers an event only to those who may read its session', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const auditorOfAnother = await h.user('auditor');
    const refused = await upgradeStatus((await noRoleUser(owner.orgId)).token);
    expect(refused).toBe(403);
    const ownerSocket = await subscribe(owner.token);
    const colleagueSocket = await subscribe((await h.user('clinician', owner.orgId)).token);
    const otherOrg = await subscribe(auditorOfAnother.token);
    await h.api.hub.publish(owner.orgId, { type: 'evaluation', sessionId, evaluationId: sessionId, status: 'running', step: 'transcribing', progress: 0.5, error: null });
    await new Promise((r) => setTimeout(r, 200));
    expect(ownerSocket.received.map((m) => m.type)).toEqual(['hello', 'evaluation']);
    expect(colleagueSocket.received.map((m) => m.type)).toEqual(['hello']);
    expect(otherOrg.received.map((m) => m.type)).toEqual(['hello']);
    for (const s of [ownerSocket, colleagueSocket, otherOrg]) s.ws.close();
  });

  it('an org admin administers a clinician\'s session but does not act in it; on a session of their own they do (decision 033)', async () => {
    const owner = await h.user('clinician');
    const admin = await h.user('org_admin', owner.orgId);
    const theirs = await createConsentedSession(h.url, owner.token);
    const consent = { channel: 1, consent: { given: true, method: 'in_app', textVersion: 'consent-v1' } };
    const refused = [
      (await jsonCall(h.url, 'POST', `/v1/sessions/${theirs}/consents`, admin.token, consent)).json,
      (await jsonCall(h.url, 'POST', `/v1/sessions/${theirs}/invites`, admin.token)).json,
      (await jsonCall(h.url, 'POST', `/v1/sessions/${theirs}/evaluations`, admin.token, {})).json,
      await (await createUpload(admin.token, theirs)).json(),
    ];
    for (const r of refused) expect(r).toMatchObject({ status: 403, code: 'auth.forbidden' });
    expect((await jsonCall(h.url, 'GET', `/v1/sessions/${theirs}`, admin.token)).status).toBe(200);
    const denied = (await trail(owner.orgId)).filter((e) => e.actorUserId === admin.userId && e.action === 'access.denied').map((e) => (e.data as { action: string }).action);
    expect(denied.sort()).toEqual(['session.consent', 'session.evaluate', 'session.invite', 'upload.create']);

    const own = await createConsentedSession(h.url, admin.token);
    expect((await jsonCall(h.url, 'POST', `/v1/sessions/${own}/consents`, admin.token, consent)).status).toBe(201);
    expect((await jsonCall(h.url, 'POST', `/v1/sessions/${own}/invites`, admin.token)).status).toBe(201);
    expect((await jsonCall(h.url, 'POST', `/v1/sessions/${own}/evaluations`, admin.token, {})).json).toMatchObject({ code: 'recording.missing' });
    expect((await createUpload(admin.token, own)).status).toBe(201);
    expect((await jsonCall(h.url, 'DELETE', `/v1/sessions/${theirs}`, admin.token)).status).toBe(204);
  });

  it('authenticates before parsing JSON: a malformed or oversized body without a valid token is 401', async () => {
    const r = await fetch(`${h.url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title": ' });
    expect(r.status).toBe(401);
    expect(((await r.json()) as { code: string }).code).toBe('auth.missing');
    const big = await fetch(`${h.url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, body: `{"x":"${'a'.repeat(2_000_000)}"}` });
    expect(big.status).toBe(401);
  });

  it('answers 404 session.not_found for another org\'s or a missing session, never 409 report.not_ready', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const stranger = await h.user('org_admin');
    for (const p of ['transcript', 'metrics', 'analysis', 'report.pdf']) {
      expect((await jsonCall(h.url, 'GET', `/v1/sessions/${sessionId}/${p}`, stranger.token)).json).toMatchObject({ status: 404, code: 'session.not_found' });
      expect((await jsonCall(h.url, 'GET', `/v1/sessions/6f1c3c52-0000-4000-8000-000000000000/${p}`, owner.token)).json).toMatchObject({ status: 404, code: 'session.not_found' });
    }
  });

  it('an upload that fails at completion leaves no orphan blob', async () => {
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    const wav = path.join(h.dir, 'speech.wav');
    await stereoSpeechWav(wav);
    // The recording row cannot be stored (a failure after the blob was written, as a lost database would be).
    await asOwner(`CREATE FUNCTION fail_recording() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await asOwner(`CREATE TRIGGER fail_recording BEFORE INSERT ON recordings FOR EACH ROW WHEN (NEW.session_id = '${sessionId}') EXECUTE FUNCTION fail_recording()`);
    const r = await tusUpload({ endpoint: `${h.url}${UPLOADS_PATH}`, token: owner.token, file: wav, sessionId });
    expect(r.ok).toBe(false);
    expect(r.status).toBe(500);
    const dir = path.join(h.dir, 'blobs', owner.orgId, 'sessions', sessionId);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    expect((await jsonCall(h.url, 'GET', `/v1/sessions/${sessionId}`, owner.token)).json.recording).toBeNull();
  });
});

/** DDL on the test database as its (superuser) owner: fault injection only. */
async function asOwner(sql: string) {
  const c = new pg.Client({ connectionString: h.tdb.url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function noRoleUser(orgId: string) {
  const u = await h.user('clinician', orgId);
  await h.tdb.db.withOrg(orgId, (tx) => tx.query('DELETE FROM memberships WHERE user_id = $1', [u.userId]));
  return u;
}

function upgradeStatus(token: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}${EVENTS_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
}

function subscribe(token: string): Promise<{ ws: WebSocket; received: Array<{ type: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}${EVENTS_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    const received: Array<{ type: string }> = [];
    ws.on('message', (raw) => {
      received.push(JSON.parse(raw.toString()) as { type: string });
      if (received.length === 1) resolve({ ws, received });
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`events refused: ${res.statusCode}`)));
  });
}

/** Two people speaking, one per channel, synthesised by ffmpeg's flite source (no espeak-ng needed). */
async function stereoSpeechWav(out: string) {
  const say = (text: string) => `flite=text='${text}'`;
  await promisify(execFile)('ffmpeg', [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', say('Good morning. How have you been since we last met? I hope the walks are going well.'),
    '-f', 'lavfi', '-i', say('Pretty well, thank you. The walks are going fine and I sleep better.'),
    '-filter_complex', '[0:a]aresample=16000,aformat=sample_fmts=s16:channel_layouts=mono,apad=whole_dur=6[a];[1:a]aresample=16000,aformat=sample_fmts=s16:channel_layouts=mono,apad=whole_dur=6[b];[a][b]amerge=inputs=2[out]',
    '-map', '[out]', '-t', '6', '-y', out,
  ]);
}

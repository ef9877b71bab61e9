import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
export const sessionBody = (withConsent = true) => ({
  title: 'Follow-up visit',
  rubricId: 'motivational-interviewing',
  participants: [
    { channel: 0, displayName: 'Dr. Maya Okafor', roleLabel: 'Clinician', ...(withConsent ? { consent } : {}) },
    { channel: 1, displayName: 'Daniel Reyes', roleLabel: 'Patient', ...(withConsent ? { consent } : {}) },
  ],
});

async function call(method: string, path: string, token: string | null, body?: unknown, raw?: string) {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined || raw ? { 'content-type': 'application/json' } : {}) },
    body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: text ? JSON.parse(text) : null };
}

describe('sessions API', () => {
  it('creates a session when both participants consent, and records the consent', async () => {
    const u = await h.user('clinician');
    const r = await call('POST', '/v1/sessions', u.token, sessionBody());
    expect(r.status).toBe(201);
    expect(r.json.status).toBe('created');
    expect(r.json.participants.map((p: { consented: boolean }) => p.consented)).toEqual([true, true]);
    const list = await call('GET', '/v1/sessions', u.token);
    expect(list.json.sessions.map((s: { id: string }) => s.id)).toContain(r.json.id);
  });

  it('refuses a session without both consents with consent.missing', async () => {
    const u = await h.user('clinician');
    const body = sessionBody();
    delete (body.participants[1] as { consent?: unknown }).consent;
    const r = await call('POST', '/v1/sessions', u.token, body);
    expect(r.status).toBe(422);
    expect(r.type).toContain('application/problem+json');
    expect(r.json).toMatchObject({ code: 'consent.missing', status: 422 });
    expect((await call('GET', '/v1/sessions', u.token)).json.sessions).toHaveLength(0);
  });

  it('answers malformed JSON and schema errors with request.invalid', async () => {
    const u = await h.user('clinician');
    expect((await call('POST', '/v1/sessions', u.token, undefined, '{"title": ')).json).toMatchObject({ code: 'request.invalid', status: 400 });
    const bad = await call('POST', '/v1/sessions', u.token, { title: '', rubricId: 'x', participants: [] });
    expect(bad.json).toMatchObject({ code: 'request.invalid' });
    expect(bad.json.detail).toMatch(/title/);
  });

  it('rejects an unknown rubric with rubric.not_found', async () => {
    const u = await h.user('clinician');
    expect((await call('POST', '/v1/sessions', u.token, { ...sessionBody(), rubricId: 'nope' })).json.code).toBe('rubric.not_found');
  });

  it('requires a valid bearer token', async () => {
    expect((await call('GET', '/v1/sessions', null)).json).toMatchObject({ code: 'auth.missing', status: 401 });
    expect((await call('GET', '/v1/sessions', 'wrong-token')).json).toMatchObject({ code: 'auth.invalid', status: 401 });
  });

  it('forbids a role that may not create sessions (auditor) with auth.forbidden', async () => {
    const u = await h.user('auditor');
    expect((await call('POST', '/v1/sessions', u.token, sessionBody())).json).toMatchObject({ code: 'auth.forbidden', status: 403 });
  });

  it('never shows one org\'s session to another org (row-level security)', async () => {
    const a = await h.user('clinician');
    const b = await h.user('clinician');
    const s = (await call('POST', '/v1/sessions', a.token, sessionBody())).json;
    expect((await call('GET', `/v1/sessions/${s.id}`, b.token)).json).toMatchObject({ code: 'session.not_found', status: 404 });
    expect((await call('GET', '/v1/sessions', b.token)).json.sessions).toHaveLength(0);
    // Within the org, a supervisor sees the sessions of the clinicians assigned to them only.
    const sup = await h.user('supervisor', a.orgId);
    expect((await call('GET', `/v1/sessions/${s.id}`, sup.token)).json).toMatchObject({ code: 'session.not_found', status: 404 });
    await h.assign(a.orgId, sup.userId, a.userId);
    expect((await call('GET', `/v1/sessions/${s.id}`, sup.token)).json.id).toBe(s.id);
  });

  it('says report.not_ready for artefacts that do not exist yet, and recording.missing before an upload', async () => {
    const u = await h.user('clinician');
    const s = (await call('POST', '/v1/sessions', u.token, sessionBody())).json;
    expect((await call('GET', `/v1/sessions/${s.id}/report.pdf`, u.token)).json.code).toBe('report.not_ready');
    expect((await call('GET', `/v1/sessions/${s.id}/transcript`, u.token)).json.code).toBe('report.not_ready');
    expect((await call('POST', `/v1/sessions/${s.id}/evaluations`, u.token, {})).json.code).toBe('recording.missing');
  });

  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const r = await call('GET', '/openapi.json', null);
    expect(r.json.openapi).toBe('3.1.0');
    expect(Object.keys(r.json.paths)).toEqual(expect.arrayContaining(['/v1/sessions', '/v1/sessions/{id}/report.pdf', '/v1/uploads']));
    expect(r.json.components.schemas.SessionView).toBeDefined();
  });

  it('answers an unknown route with request.not_found as problem+json', async () => {
    const r = await call('GET', '/v1/nothing-here', (await h.user()).token);
    expect(r.status).toBe(404);
    expect(r.json.code).toBe('request.not_found');
  });
});

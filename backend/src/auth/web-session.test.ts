import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStereoSpeechWav } from '../testing/audio-fixtures';
import { tusUpload } from '../testing/tus-upload';
import { upgradeAnswer } from '../testing/ws-upgrade';
import { putOidcProvider } from '../db/repositories/oidc';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { browse, startTestIdp, type TestIdp } from '../testing/oidc-test-idp';

/**
 * The browser's cookie session and its CSRF protection (decision 025), on the real express app
 * over a real PostgreSQL, signed in through a real OpenID Connect provider (oidc-provider).
 */
let h: ApiHarness;
let idp: TestIdp;
let orgId: string;

/** Signs in as a browser would (Accept: text/html) and answers the cookies the API set. */
async function browserSignIn(login: string) {
  const r = await browse(`${h.url}/v1/auth/oidc/start?org=${orgId}`, login, undefined, { accept: 'text/html,application/xhtml+xml' });
  const jar = r.cookies.get(new URL(h.url).host) ?? new Map<string, string>();
  return { r, jar, cookieHeader: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
}

/** Fetches with a cookie jar that keeps what the API sets. */
async function withJar(jar: Map<string, string>, path: string, init: RequestInit = {}) {
  const res = await fetch(`${h.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair!.indexOf('=');
    jar.set(pair!.slice(0, i), pair!.slice(i + 1));
  }
  return res;
}

async function csrfTokenOf(jar: Map<string, string>): Promise<string> {
  const res = await withJar(jar, '/v1/auth/web-session');
  expect(res.status).toBe(200);
  return ((await res.json()) as { csrfToken: string }).csrfToken;
}

beforeAll(async () => {
  h = await startApiHarness();
  idp = await startTestIdp({
    redirectUris: [`${h.url}/v1/auth/oidc/callback`],
    accounts: {
      carol: { email: 'carol@clinic.example', name: 'Carol Clinician', groups: ['grp-clinicians'] },
      cora: { email: 'cora@clinic.example', name: 'Cora Clinician', groups: ['grp-clinicians'] },
      mallory: { email: 'mallory@elsewhere.example', name: 'Mallory', groups: ['grp-clinicians'] },
    },
  });
  orgId = (await h.user('org_admin')).orgId;
  await h.tdb.db.withOrg(orgId, (tx) =>
    putOidcProvider(tx, { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: 'openid email profile groups', roleClaim: 'groups', roleMap: { 'grp-clinicians': 'clinician' }, defaultRole: null, allowedDomains: ['clinic.example'] }),
  );
});
afterAll(async () => {
  await idp?.close();
  await h?.close();
});

describe('web session cookie', () => {
  it('a browser sign-in sets an HttpOnly, Secure, SameSite=Lax cookie and lands in the app with no token in the page', async () => {
    const { r, jar } = await browserSignIn('carol');
    expect(r.url.pathname).toBe('/');
    const set = r.setCookies.find((c) => c.startsWith('__Host-fe_session='))!;
    expect(set).toBeDefined();
    expect(set).toMatch(/; HttpOnly/i);
    expect(set).toMatch(/; Secure/i);
    expect(set).toMatch(/; SameSite=Lax/i);
    expect(set).toMatch(/; Path=\//i);
    expect(set).not.toMatch(/; Domain=/i);
    expect(r.body).not.toContain(jar.get('__Host-fe_session'));
    const me = await withJar(jar, '/v1/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ orgId, email: 'carol@clinic.example', roles: ['clinician'] });
  });

  it('an API client asking for JSON still gets the result as JSON', async () => {
    const r = await browse(`${h.url}/v1/auth/oidc/start?org=${orgId}`, 'carol');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ token: expect.any(String), identity: { roles: ['clinician'] } });
  });

  it('a failed browser sign-in goes back to the app with only its code; an API client still gets the problem', async () => {
    const { r, jar } = await browserSignIn('mallory');
    expect(r.url.pathname).toBe('/');
    expect(r.url.search).toBe('?sign_in_error=auth.domain_not_allowed');
    expect(jar.has('__Host-fe_session')).toBe(false);
    const api = await browse(`${h.url}/v1/auth/oidc/start?org=${orgId}`, 'mallory');
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({ code: 'auth.domain_not_allowed' });
  });

  it('a browser starting the sign-in of an org without OIDC comes back with auth.oidc_not_configured', async () => {
    const other = '00000000-0000-4000-8000-000000000001';
    const page = await fetch(`${h.url}/v1/auth/oidc/start?org=${other}`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/?sign_in_error=auth.oidc_not_configured');
    const api = await fetch(`${h.url}/v1/auth/oidc/start?org=${other}`, { redirect: 'manual' });
    expect(((await api.json()) as { code: string }).code).toBe('auth.oidc_not_configured');
  });

  it('an unknown or forged session cookie signs nobody in', async () => {
    const res = await fetch(`${h.url}/v1/me`, { headers: { cookie: '__Host-fe_session=fe_oidc_forged' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('auth.invalid');
  });
});

describe('CSRF protection of the cookie session', () => {
  it('refuses a state-changing request signed in by the cookie without the CSRF token, and the session survives it', async () => {
    const { jar } = await browserSignIn('carol');
    const out = await withJar(jar, '/v1/auth/oidc/logout', { method: 'POST' });
    expect(out.status).toBe(403);
    expect(((await out.json()) as { code: string }).code).toBe('auth.csrf_invalid');
    expect((await withJar(jar, '/v1/me')).status).toBe(200);
  });

  it('refuses a wrong token, and the token of another user\'s session', async () => {
    const carol = await browserSignIn('carol');
    const cora = await browserSignIn('cora');
    await csrfTokenOf(carol.jar);
    const coraToken = await csrfTokenOf(cora.jar);
    for (const token of ['not-a-token', coraToken]) {
      const res = await withJar(carol.jar, '/v1/sessions', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: '{}' });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('auth.csrf_invalid');
    }
  });

  it('accepts the session\'s own CSRF token; sign-out then revokes the cookie session and clears the cookie', async () => {
    const { jar } = await browserSignIn('carol');
    const session = jar.get('__Host-fe_session')!;
    const token = await csrfTokenOf(jar);
    const out = await withJar(jar, '/v1/auth/oidc/logout', { method: 'POST', headers: { 'x-csrf-token': token } });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().some((c) => /^__Host-fe_session=;/.test(c) && /Expires=Thu, 01 Jan 1970/i.test(c))).toBe(true);
    const me = await fetch(`${h.url}/v1/me`, { headers: { cookie: `__Host-fe_session=${session}` } });
    expect(me.status).toBe(401);
  });

  it('a bearer client needs no CSRF token, and cannot fetch one', async () => {
    const { token } = await h.user('clinician');
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(`${h.url}/v1/auth/web-session`, { headers: auth })).status).toBe(400);
    const res = await fetch(`${h.url}/v1/sessions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).not.toBe(403);
  });
});

describe('tus uploads and /v1/events signed in by the cookie session', () => {
  const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
  async function newSession(jar: Map<string, string>, csrf: string): Promise<string> {
    const res = await withJar(jar, '/v1/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ title: 'Visit', rubricId: 'motivational-interviewing', participants: [{ channel: 0, displayName: 'Dr A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'Pat B', roleLabel: 'Patient', consent }] }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }
  const cookieOf = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  /** The upgrade's answer: 101 and the greeting, or the refusal's status and code. */
  const openEvents = (headers: Record<string, string>) => upgradeAnswer(`${h.url.replace(/^http/, 'ws')}/v1/events`, headers);

  it('a browser signed in at the IdP uploads a recording with the real tus client (cookie + CSRF token); without the token tus refuses it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-web-tus-'));
    try {
      const { jar } = await browserSignIn('carol');
      const csrf = await csrfTokenOf(jar);
      const wav = await makeStereoSpeechWav(dir, { name: 'web.wav' });
      const refused = await tusUpload({ endpoint: `${h.url}/v1/uploads`, token: '', headers: { cookie: cookieOf(jar) }, file: wav.path, sessionId: await newSession(jar, csrf) });
      expect(refused.ok).toBe(false);
      expect(refused.status).toBe(403);
      expect((JSON.parse(refused.body ?? '{}') as { code?: string }).code).toBe('auth.csrf_invalid');
      const sessionId = await newSession(jar, csrf);
      const done = await tusUpload({ endpoint: `${h.url}/v1/uploads`, token: '', headers: { cookie: cookieOf(jar), 'x-csrf-token': csrf }, file: wav.path, sessionId, chunkSize: 64 * 1024 });
      expect(done).toMatchObject({ ok: true });
      expect(done.headers?.['recording-id']).toBeTruthy();
      const s = await withJar(jar, `/v1/sessions/${sessionId}`);
      expect(((await s.json()) as { recording?: { sha256?: string } }).recording?.sha256).toBe(done.headers?.['recording-sha256']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens /v1/events by the cookie from the web app\'s own origin only (another page, or none: 403 auth.origin_refused); a signed-out cookie opens nothing', async () => {
    const { jar } = await browserSignIn('carol');
    const cookie = jar.get('__Host-fe_session')!;
    const headers = { cookie: `__Host-fe_session=${cookie}` };
    expect(await openEvents({ ...headers, origin: new URL(h.url).origin })).toEqual({ status: 101 });
    expect(await openEvents({ ...headers, origin: 'https://evil.example' })).toEqual({ status: 403, code: 'auth.origin_refused' });
    expect(await openEvents(headers)).toEqual({ status: 403, code: 'auth.origin_refused' });
    const out = await withJar(jar, '/v1/auth/oidc/logout', { method: 'POST', headers: { 'x-csrf-token': await csrfTokenOf(jar) } });
    expect(out.status).toBe(200);
    expect(await openEvents({ ...headers, origin: new URL(h.url).origin })).toEqual({ status: 401, code: 'auth.invalid' });
  });
});

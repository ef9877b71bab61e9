import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putOidcProvider } from '../../backend/src/db/repositories/oidc';
import { startApiHarness, type ApiHarness } from '../../backend/src/testing/api-harness';
import { browse, startTestIdp, type TestIdp } from '../../backend/src/testing/oidc-test-idp';
import { signInWithSystemBrowser } from './loopback-sign-in';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecretsContract } from '../../app/contracts/ipc/secrets';
import { createSecretsHandlers } from '../features/secrets/secrets-handlers';
import { createAesGcmCipher, createEncryptedFileSecretStore } from './secret-store';
import { createSessionTokens } from './session-tokens';

/**
 * Desktop sign-in (RFC 8252) from Node: the module's loopback listener on 127.0.0.1 at a random
 * port, a real oidc-provider IdP, the real API. "The system browser" is an HTTP client that
 * follows redirects and fills in the IdP's login page.
 */
let h: ApiHarness;
let idp: TestIdp;
let orgId: string;

beforeAll(async () => {
  h = await startApiHarness();
  // A native client: the IdP accepts a loopback redirect on any port (RFC 8252 7.3).
  idp = await startTestIdp({ redirectUris: ['http://127.0.0.1/oidc/callback', 'http://127.0.0.1/stolen'], accounts: { erin: { email: 'erin@clinic.example', name: 'Erin', groups: ['clin'] } } });
  orgId = (await h.user('org_admin')).orgId;
  await h.tdb.db.withOrg(orgId, (tx) => putOidcProvider(tx, { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: 'openid email profile groups', roleClaim: 'groups', roleMap: { clin: 'clinician' }, defaultRole: null, allowedDomains: ['clinic.example'] }));
});
afterAll(async () => {
  await idp?.close();
  await h?.close();
});

describe('desktop sign-in through the system browser (loopback redirect)', () => {
  it('signs in with a loopback redirect on a random port and PKCE, and the token works', async () => {
    const opened: string[] = [];
    const seen: URL[] = [];
    const r = await signInWithSystemBrowser({
      apiBase: h.url,
      orgId,
      openBrowser: async (url) => {
        opened.push(url);
        await browse(url, 'erin', (u) => (seen.push(u), u));
      },
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.value.identity).toMatchObject({ email: 'erin@clinic.example', roles: ['clinician'] });
    const auth = seen.find((u) => u.pathname === '/auth')!;
    expect(auth.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oidc\/callback$/);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(seen.some((u) => u.hostname === '127.0.0.1' && u.pathname === '/oidc/callback' && u.searchParams.has('code'))).toBe(true);
    const me = await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${r.value.token}` } });
    expect(await me.json()).toMatchObject({ orgId, roles: ['clinician'] });
    // A short-lived access token (the harness's 900 s, not the sign-in's 3600 s) and a refresh token that rotates.
    expect(Date.parse(r.value.expiresAt) - Date.now()).toBeLessThanOrEqual(900_000);
    const refreshed = await fetch(`${h.url}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: r.value.refreshToken }) });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as { accessToken: string };
    expect((await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${next.accessToken}` } })).status).toBe(200);
  });

  it('secrets:signin keeps both tokens in the main process: the renderer gets who signed in and a working access token, never the refresh token', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-sign-in-'));
    try {
      const secrets = createEncryptedFileSecretStore({ file: path.join(dir, 'secrets.json'), cipher: createAesGcmCipher(randomBytes(32)) });
      const session = createSessionTokens({ secrets, apiBase: () => h.url });
      const handlers = createSecretsHandlers({ secrets, session, signIn: (org) => signInWithSystemBrowser({ apiBase: h.url, orgId: org, openBrowser: async (url) => void (await browse(url, 'erin')) }) });
      const signedIn = await handlers['secrets:signin']({ orgId });
      expect(JSON.stringify(signedIn)).not.toMatch(/fe_rt_|fe_oidc_/);
      expect(signedIn.identity).toMatchObject({ orgId, email: 'erin@clinic.example', roles: ['clinician'] });
      const { value } = await handlers['secrets:get']({ name: 'api.token' });
      expect((await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${value}` } })).status).toBe(200);
      // The refresh token's entry is not a name the renderer may ask for.
      expect(SecretsContract['secrets:get'].input.safeParse({ name: 'desktop.session' }).success).toBe(false);
      // Forced refresh spends the stored refresh token against the API.
      const fresh = await session.accessToken({ force: true });
      expect(fresh.ok && fresh.value !== value).toBe(true);
      // Sign-out through the renderer's delete revokes it on the server.
      await handlers['secrets:delete']({ name: 'api.token' });
      expect((await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${fresh.ok ? fresh.value : ''}` } })).status).toBe(401);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a redirect caught by another local program that lacks the binding verifier', async () => {
    // Another program listens on its own loopback port and catches the redirect.
    const caught: string[] = [];
    const thief = http.createServer((req, res) => {
      caught.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => thief.listen(0, '127.0.0.1', resolve));
    const port = (thief.address() as AddressInfo).port;
    try {
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const start = `${h.url}/v1/auth/oidc/start?${new URLSearchParams({ org: orgId, redirect_uri: `http://127.0.0.1:${port}/stolen`, binding_challenge: challenge })}`;
      await browse(start, 'erin');
      expect(caught).toHaveLength(1);
      const callbackUrl = `http://127.0.0.1:${port}${caught[0]}`;
      const wrong = await fetch(`${h.url}/v1/auth/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callbackUrl, bindingVerifier: randomBytes(32).toString('base64url') }) });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { code: string }).code).toBe('auth.oidc_binding_invalid');
      // The state was used up by that attempt: even the right verifier cannot finish it now.
      const late = await fetch(`${h.url}/v1/auth/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callbackUrl, bindingVerifier: verifier }) });
      expect(((await late.json()) as { code: string }).code).toBe('auth.oidc_state_invalid');
    } finally {
      thief.close();
    }
  });

  it('a cancelled wait answers auth.signin_cancelled and closes the listener, so the browser coming back late reaches nothing', async () => {
    const abort = new AbortController();
    let opened = '';
    const pending = signInWithSystemBrowser({ apiBase: h.url, orgId, signal: abort.signal, openBrowser: async (url) => void (opened = url) });
    await expect.poll(() => opened).not.toBe('');
    const loopback = new URL(new URL(opened).searchParams.get('redirect_uri')!);
    // Listening while it waits: a request without state is refused by the listener itself.
    expect((await fetch(loopback.origin)).status).toBe(404);
    abort.abort();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'auth.signin_cancelled' } });
    await expect(browse(opened, 'erin')).rejects.toThrow();
    await expect(fetch(loopback.href)).rejects.toThrow();
  });

  it('answers 400, not 500, for a callback URL the pattern admits but URL refuses (schemathesis)', async () => {
    const res = await fetch(`${h.url}/v1/auth/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callbackUrl: 'http://127.0.0.1:99999/x', bindingVerifier: 'a'.repeat(43) }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('request.invalid');
  });

  it('refuses a redirect_uri that is not an IP loopback', async () => {
    const res = await fetch(`${h.url}/v1/auth/oidc/start?${new URLSearchParams({ org: orgId, redirect_uri: 'http://evil.example:8080/cb', binding_challenge: 'a'.repeat(43) })}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
  });
});

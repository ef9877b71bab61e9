import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorData } from '../../app/contracts/errors';
import { startApiHarness, type ApiHarness } from '../../backend/src/testing/api-harness';
import { createAesGcmCipher, createEncryptedFileSecretStore } from './secret-store';
import { ACCESS_TOKEN_SECRET, createSessionTokens } from './session-tokens';

/**
 * The main process's token store against the real API on a real PostgreSQL. Access tokens live
 * 2 s there, and the store refreshes 0.5 s early, so a test sees one expire within seconds.
 */
let h: ApiHarness;
let dir: string;
beforeAll(async () => {
  h = await startApiHarness({ desktopLifetimes: { accessTtlSec: 2 } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'fe-session-tokens-'));
}, 60_000);
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A signed-in desktop: a new user, a family started as the desktop sign-in does, saved in a fresh store. */
async function signedInStore() {
  const u = await h.user('clinician');
  const tokens = await h.tdb.db.withOrg(u.orgId, (tx) => h.desktopSessions.start(tx, { userId: u.userId }));
  const file = path.join(dir, `${randomBytes(4).toString('hex')}.json`);
  const secrets = createEncryptedFileSecretStore({ file, cipher: createAesGcmCipher(randomBytes(32)) });
  const refreshes: string[] = [];
  const signedOut: ErrorData[] = [];
  // The real fetch, counting the refreshes that reach the API.
  const counting: typeof fetch = (input, init) => {
    if (String(input).endsWith('/v1/auth/refresh')) refreshes.push(String(init?.body));
    return fetch(input, init);
  };
  const store = createSessionTokens({ secrets, apiBase: () => h.url, earlyMs: 500, fetch: counting, onSignedOut: (e) => signedOut.push(e) });
  await store.save(tokens);
  return { ...u, tokens, file, secrets, store, refreshes, signedOut };
}
const me = async (token: string | null) => (await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
const untilExpired = () => new Promise((r) => setTimeout(r, 1700));
const value = <T>(r: { ok: true; value: T } | { ok: false; error: ErrorData }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

describe('desktop session tokens in the main process', () => {
  it('answers the stored access token while it lives, without a refresh', async () => {
    const s = await signedInStore();
    expect(value(await s.store.accessToken())).toBe(s.tokens.accessToken);
    expect(s.refreshes).toHaveLength(0);
  });

  it('refreshes once the access token expires: the new one works, the stored pair is replaced', async () => {
    const s = await signedInStore();
    await untilExpired();
    const fresh = value(await s.store.accessToken());
    expect(fresh).not.toBe(s.tokens.accessToken);
    expect(await me(fresh)).toBe(200);
    expect(s.refreshes).toHaveLength(1);
    expect(await s.secrets.get(ACCESS_TOKEN_SECRET)).toBe(fresh);
    // The next call uses the stored new token; the one after its expiry spends the new refresh token (no reuse).
    expect(value(await s.store.accessToken())).toBe(fresh);
    await untilExpired();
    expect(await me(value(await s.store.accessToken()))).toBe(200);
    expect(s.refreshes).toHaveLength(2);
  });

  it('concurrent callers after expiry share one refresh (a second would be reuse and revoke the sign-in)', async () => {
    const s = await signedInStore();
    await untilExpired();
    const all = await Promise.all(Array.from({ length: 6 }, () => s.store.accessToken()));
    const tokens = new Set(all.map(value));
    expect(tokens.size).toBe(1);
    expect(s.refreshes).toHaveLength(1);
    expect(await me([...tokens][0]!)).toBe(200);
    expect(s.signedOut).toHaveLength(0);
  });

  it('force refreshes a token the clock still calls live (the API answered 401)', async () => {
    const s = await signedInStore();
    const fresh = value(await s.store.accessToken({ force: true }));
    expect(fresh).not.toBe(s.tokens.accessToken);
    expect(await me(s.tokens.accessToken)).toBe(200); // rotation does not revoke the previous access token: it just expires
    expect(await me(fresh)).toBe(200);
  });

  it('a refresh token revoked elsewhere signs the app out: auth.refresh_invalid, the stored tokens are deleted', async () => {
    const s = await signedInStore();
    await fetch(`${h.url}/v1/auth/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: s.tokens.refreshToken }) });
    await untilExpired();
    const r = await s.store.accessToken();
    expect(r).toMatchObject({ ok: false, error: { code: 'auth.refresh_invalid' } });
    expect(s.signedOut.map((e) => e.code)).toEqual(['auth.refresh_invalid']);
    expect(await s.secrets.get(ACCESS_TOKEN_SECRET)).toBeNull();
    expect(value(await s.store.accessToken())).toBeNull();
  });

  it('sign-out revokes the sign-in on the server and deletes the stored tokens', async () => {
    const s = await signedInStore();
    expect(value(await s.store.signOut())).toEqual({ revoked: true });
    expect(await me(s.tokens.accessToken)).toBe(401);
    expect(value(await s.store.accessToken())).toBeNull();
    const again = await fetch(`${h.url}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: s.tokens.refreshToken }) });
    expect(((await again.json()) as { code: string }).code).toBe('auth.refresh_invalid');
  });

  it('keeps the tokens when the server cannot be reached, and answers upstream.unavailable', async () => {
    const s = await signedInStore();
    const offline = createSessionTokens({ secrets: s.secrets, apiBase: () => 'http://127.0.0.1:9', earlyMs: 500 });
    await untilExpired();
    expect(await offline.accessToken()).toMatchObject({ ok: false, error: { code: 'upstream.unavailable' } });
    expect(await s.secrets.get(ACCESS_TOKEN_SECRET)).toBe(s.tokens.accessToken);
    // Back online, the same refresh token still works.
    expect(await me(value(await s.store.accessToken()))).toBe(200);
  });

  it('leaves a token set by hand (a dev token) alone: no refresh with a refresh token of another sign-in', async () => {
    const s = await signedInStore();
    await s.secrets.set(ACCESS_TOKEN_SECRET, 'dev-token-typed-in');
    await untilExpired();
    expect(value(await s.store.accessToken())).toBe('dev-token-typed-in');
    expect(s.refreshes).toHaveLength(0);
  });

  it('writes neither token in clear to the secrets file', async () => {
    const s = await signedInStore();
    const raw = readFileSync(s.file, 'utf8');
    expect(raw).not.toContain(s.tokens.refreshToken.slice(-43));
    expect(raw).not.toContain(s.tokens.accessToken);
  });
});

import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopTokens, type RefreshTokenRequest } from '../../../app/contracts/desktop-session-api';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { setOrgSessionLifetimes } from '../db/repositories/session-lifetimes';

// The real API on a real PostgreSQL; access tokens live 2 s so one test can watch one expire.
let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness({ desktopLifetimes: { accessTtlSec: 2 } });
}, 60_000);
afterAll(async () => h?.close());

async function signedIn() {
  const u = await h.user('clinician');
  const tokens = await h.tdb.db.withOrg(u.orgId, (tx) => h.desktopSessions.start(tx, { userId: u.userId }));
  return { ...u, tokens };
}
const post = (path: string, body: RefreshTokenRequest) => fetch(`${h.url}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const me = (token: string) => fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
async function refresh(refreshToken: string) {
  const res = await post('/auth/refresh', { refreshToken });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
/** Reads the tables as the superuser (past row security): what a database dump would show. */
async function asSuperuser<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: h.tdb.url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('desktop refresh tokens', () => {
  it('rotates: a refresh answers a new access token and a new refresh token, and both work', async () => {
    const s = await signedIn();
    expect((await me(s.tokens.accessToken)).status).toBe(200);
    const r = await refresh(s.tokens.refreshToken);
    expect(r.status).toBe(200);
    const next = DesktopTokens.parse(r.body);
    expect(next.accessToken).not.toBe(s.tokens.accessToken);
    expect(next.refreshToken).not.toBe(s.tokens.refreshToken);
    expect((await me(next.accessToken)).status).toBe(200);
    expect((await refresh(next.refreshToken)).status).toBe(200);
  });

  it('a refresh token used twice revokes the whole family (every access and refresh token) and is audited', async () => {
    const s = await signedIn();
    const second = DesktopTokens.parse((await refresh(s.tokens.refreshToken)).body);
    const third = DesktopTokens.parse((await refresh(second.refreshToken)).body);
    const reuse = await refresh(s.tokens.refreshToken);
    expect(reuse).toMatchObject({ status: 401, body: { code: 'auth.refresh_reused' } });
    // The legitimate holder's newest tokens stop working too: nobody knows which copy is the thief's.
    expect((await me(third.accessToken)).status).toBe(401);
    expect(await refresh(third.refreshToken)).toMatchObject({ status: 401, body: { code: 'auth.refresh_invalid' } });
    const audit = await asSuperuser((c) => c.query<{ action: string; target_id: string; data: { familyId: string; revokedRefreshTokens: number } }>("SELECT action, target_id, data FROM audit_events WHERE org_id = $1 AND action = 'auth.refresh_reused'", [s.orgId]));
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ target_id: s.userId, data: { revokedRefreshTokens: 3 } });
    // Another org's family is untouched.
    const other = await signedIn();
    expect((await refresh(other.tokens.refreshToken)).status).toBe(200);
  });

  it('only one of two concurrent refreshes with the same token wins', async () => {
    const s = await signedIn();
    const [a, b] = await Promise.all([refresh(s.tokens.refreshToken), refresh(s.tokens.refreshToken)]);
    expect([a.status, b.status].sort()).toEqual([200, 401]);
  });

  it('sign-out revokes the family: its access token and refresh token are refused', async () => {
    const s = await signedIn();
    const res = await post('/auth/revoke', { refreshToken: s.tokens.refreshToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: true });
    expect((await me(s.tokens.accessToken)).status).toBe(401);
    expect(await refresh(s.tokens.refreshToken)).toMatchObject({ status: 401, body: { code: 'auth.refresh_invalid' } });
    expect(await (await post('/auth/revoke', { refreshToken: s.tokens.refreshToken })).json()).toEqual({ revoked: false });
  });

  it('an expired access token is refused (auth.invalid) and the refresh token gets a working one', async () => {
    const s = await signedIn();
    expect(Date.parse(s.tokens.accessExpiresAt) - Date.now()).toBeLessThanOrEqual(2000);
    await new Promise((r) => setTimeout(r, 2100));
    const refused = await me(s.tokens.accessToken);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('auth.invalid');
    const next = DesktopTokens.parse((await refresh(s.tokens.refreshToken)).body);
    expect((await me(next.accessToken)).status).toBe(200);
  });

  it('an expired, unknown or malformed refresh token is auth.refresh_invalid', async () => {
    const s = await signedIn();
    await asSuperuser((c) => c.query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE org_id = $1", [s.orgId]));
    expect(await refresh(s.tokens.refreshToken)).toMatchObject({ status: 401, body: { code: 'auth.refresh_invalid' } });
    expect(await refresh(s.tokens.refreshToken.slice(0, -4) + 'AAAA')).toMatchObject({ status: 401, body: { code: 'auth.refresh_invalid' } });
    expect(await refresh('not-a-token')).toMatchObject({ status: 401, body: { code: 'auth.refresh_invalid' } });
  });

  it('a deactivated user\'s refresh is refused (auth.user_deactivated)', async () => {
    const s = await signedIn();
    await asSuperuser((c) => c.query('UPDATE users SET active = false WHERE org_id = $1 AND id = $2', [s.orgId, s.userId]));
    expect(await refresh(s.tokens.refreshToken)).toMatchObject({ status: 401, body: { code: 'auth.user_deactivated' } });
  });

  it('uses the org\'s own lifetimes over the deployment\'s, and a refresh never outlives the absolute lifetime', async () => {
    const u = await h.user('clinician');
    await h.tdb.db.withOrg(u.orgId, (tx) => setOrgSessionLifetimes(tx, { accessTtlSec: 120, refreshIdleSec: 600, refreshAbsoluteSec: 300 }));
    const t = await h.tdb.db.withOrg(u.orgId, (tx) => h.desktopSessions.start(tx, { userId: u.userId }));
    const inSec = (iso: string) => Math.round((Date.parse(iso) - Date.now()) / 1000);
    expect(inSec(t.accessExpiresAt)).toBe(120);
    // Idle 600 s, capped by the family's absolute 300 s.
    expect(inSec(t.refreshExpiresAt)).toBe(300);
    const next = DesktopTokens.parse((await refresh(t.refreshToken)).body);
    expect(inSec(next.refreshExpiresAt)).toBeLessThanOrEqual(300);
    // An org without its own keeps the deployment's (2 s here).
    const other = await signedIn();
    expect(inSec(other.tokens.accessExpiresAt)).toBeLessThanOrEqual(2);
  });

  it('a new sign-in deletes the user\'s refresh tokens of ended families, and only those', async () => {
    const s = await signedIn();
    await refresh(s.tokens.refreshToken);
    const live = await h.tdb.db.withOrg(s.orgId, (tx) => h.desktopSessions.start(tx, { userId: s.userId }));
    const count = async () => asSuperuser(async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM refresh_tokens WHERE org_id = $1', [s.orgId])).rows[0]!.n));
    expect(await count()).toBe(3);
    // The first family ends (its absolute lifetime passed); the second lives on.
    await asSuperuser((c) => c.query("UPDATE refresh_tokens SET family_expires_at = now() - interval '1 second' WHERE org_id = $1 AND token_sha256 <> $2", [s.orgId, createHash('sha256').update(live.refreshToken).digest('hex')]));
    await h.tdb.db.withOrg(s.orgId, (tx) => h.desktopSessions.start(tx, { userId: s.userId }));
    expect(await count()).toBe(2);
    expect((await refresh(live.refreshToken)).status).toBe(200);
  });

  it('stores no refresh token in plain text, only its sha256', async () => {
    const s = await signedIn();
    const secret = s.tokens.refreshToken.slice(s.tokens.refreshToken.indexOf('.') + 1);
    const dump = await asSuperuser(async (c) => JSON.stringify((await c.query('SELECT * FROM refresh_tokens WHERE org_id = $1', [s.orgId])).rows));
    expect(dump).toContain(createHash('sha256').update(s.tokens.refreshToken).digest('hex'));
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(s.tokens.accessToken);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putOidcProvider } from '../db/repositories/oidc';
import { findUserByEmail } from '../db/repositories/identity';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { browse, startTestIdp, type TestIdp } from '../testing/oidc-test-idp';

/**
 * OIDC sign-in against a real OpenID Connect provider (oidc-provider on port 0) and the real API
 * over a real PostgreSQL: code + PKCE with state and nonce, driven by an HTTP client that follows
 * redirects and fills in the IdP's login page.
 */
let h: ApiHarness;
let idp: TestIdp;
let orgId: string;
/** When set, the network between the API and the IdP rewrites the ID token's email (signature kept). */
let tamperIdToken = false;

const tamperingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (!tamperIdToken || !String(input instanceof Request ? input.url : input).endsWith('/token')) return res;
  const body = (await res.json()) as { id_token: string };
  const [head, payload, sig] = body.id_token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims.email = 'mallory@clinic.example';
  body.id_token = [head, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.');
  return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
};

const startUrl = (org = orgId) => `${h.url}/v1/auth/oidc/start?org=${org}`;
const signInAs = async (login: string, rewrite?: (u: URL) => URL) => {
  const r = await browse(startUrl(), login, rewrite);
  return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> & { code?: string; token?: string; created?: boolean; identity?: { roles: string[]; email: string; userId: string } }, url: r.url };
};

beforeAll(async () => {
  h = await startApiHarness({ oidc: { fetch: tamperingFetch as never } });
  idp = await startTestIdp({
    redirectUris: [`${h.url}/v1/auth/oidc/callback`],
    accounts: {
      alice: { email: 'Alice@Clinic.Example', email_verified: true, name: 'Alice Supervisor', groups: ['grp-supervisors', 'grp-unrelated'] },
      carol: { email: 'carol@clinic.example', name: 'Carol Clinician', groups: ['grp-clinicians'] },
      bob: { email: 'bob@elsewhere.example', name: 'Bob Outsider', groups: ['grp-clinicians'] },
      dave: { email: 'dave@clinic.example', name: 'Dave No Group', groups: ['grp-unrelated'] },
      'alice-impostor': { email: 'alice@clinic.example', email_verified: true, name: 'Not Alice', groups: ['grp-supervisors'] },
    },
  });
  orgId = (await h.user('org_admin')).orgId;
  await h.tdb.db.withOrg(orgId, (tx) =>
    putOidcProvider(tx, { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: 'openid email profile groups', roleClaim: 'groups', roleMap: { 'grp-supervisors': 'supervisor', 'grp-clinicians': 'clinician' }, defaultRole: null, allowedDomains: ['Clinic.Example'] }),
  );
});
afterAll(async () => {
  await idp?.close();
  await h?.close();
});

describe('OIDC sign-in (web: authorization code + PKCE)', () => {
  it('creates the user just in time with the mapped role and issues a token the API accepts', async () => {
    const seen: URL[] = [];
    const r = await signInAs('alice', (u) => (seen.push(u), u));
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.created).toBe(true);
    expect(r.json.identity).toMatchObject({ email: 'alice@clinic.example', roles: ['supervisor'] });
    const auth = seen.find((u) => u.pathname === '/auth')!;
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.searchParams.get('nonce')).toBeTruthy();
    const me = await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${r.json.token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ orgId, roles: ['supervisor'], email: 'alice@clinic.example' });
    const again = await signInAs('alice');
    expect(again.json).toMatchObject({ created: false, identity: { userId: r.json.identity!.userId } });
  });

  it('refuses another IdP account that asserts the email of a user already linked to a subject', async () => {
    expect((await signInAs('alice')).status).toBe(200);
    const r = await signInAs('alice-impostor');
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('auth.oidc_subject_conflict');
  });

  it('refuses a replayed state (the callback URL used a second time)', async () => {
    const seen: URL[] = [];
    const first = await signInAs('carol', (u) => (seen.push(u), u));
    expect(first.status).toBe(200);
    const callback = seen.find((u) => u.pathname === '/v1/auth/oidc/callback')!;
    const replay = await fetch(callback);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe('auth.oidc_state_invalid');
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    const r = await signInAs('carol', (u) => {
      if (u.pathname === '/auth' && u.searchParams.has('nonce')) u.searchParams.set('nonce', 'a-nonce-the-api-never-sent');
      return u;
    });
    expect(r.status).toBe(401);
    expect(r.json.code, JSON.stringify(r.json)).toBe('auth.oidc_nonce_mismatch');
  });

  it('refuses a tampered ID token (claims changed, signature kept)', async () => {
    tamperIdToken = true;
    try {
      const r = await signInAs('carol');
      expect(r.status).toBe(401);
      expect(r.json.detail).toMatch(/signature/i);
      expect(r.json.code).toBe('auth.oidc_token_invalid');
    } finally {
      tamperIdToken = false;
    }
    expect(await h.tdb.db.withOrg(orgId, (tx) => findUserByEmail(tx, 'mallory@clinic.example'))).toBeNull();
  });

  it('refuses an email domain the org does not allow, and creates nobody', async () => {
    const r = await signInAs('bob');
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('auth.domain_not_allowed');
    expect(await h.tdb.db.withOrg(orgId, (tx) => findUserByEmail(tx, 'bob@elsewhere.example'))).toBeNull();
  });

  it('refuses a user none of whose groups maps to a role when the org has no default role', async () => {
    const r = await signInAs('dave');
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('auth.role_not_mapped');
  });

  it('refuses to start for an org without an identity provider', async () => {
    const other = (await h.user('clinician')).orgId;
    const res = await fetch(startUrl(other), { redirect: 'manual' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('auth.oidc_not_configured');
  });

  it('logout revokes the token and answers the IdP end-session URL', async () => {
    const r = await signInAs('carol');
    const auth = { authorization: `Bearer ${r.json.token}` };
    const out = await fetch(`${h.url}/v1/auth/oidc/logout`, { method: 'POST', headers: auth });
    expect(out.status).toBe(200);
    const { endSessionUrl } = (await out.json()) as { endSessionUrl: string };
    expect(new URL(endSessionUrl).origin).toBe(idp.issuer);
    expect(new URL(endSessionUrl).searchParams.get('client_id')).toBe(idp.clientId);
    const me = await fetch(`${h.url}/v1/me`, { headers: auth });
    expect(me.status).toBe(401);
  });
});

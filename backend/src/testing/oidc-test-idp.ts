import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestAccount {
  email: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (panva's oidc-provider) on 127.0.0.1 at a random port, with one
 * confidential native client (RFC 8252: loopback redirects on any port) and accounts the test
 * names. Its login page is the provider's own dev interaction (any password).
 */
export async function startTestIdp(opts: { redirectUris: string[]; postLogoutRedirectUris?: string[]; accounts?: Record<string, TestAccount> }): Promise<TestIdp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map(Object.entries(opts.accounts ?? {}));
  const clientId = 'feedback-evaluation';
  const clientSecret = 'test-client-secret-0123456789abcdef';
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, application_type: 'native', redirect_uris: opts.redirectUris, ...(opts.postLogoutRedirectUris ? { post_logout_redirect_uris: opts.postLogoutRedirectUris } : {}), response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic' }],
    findAccount: (_ctx, sub) => {
      const a = accounts.get(sub);
      return a ? { accountId: sub, claims: () => ({ sub, ...a }) } : undefined;
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    // Put the scopes' claims into the ID token (as Entra ID, Okta and Auth0 do for email and groups).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    cookies: { keys: ['oidc-test-idp-cookie-key'] },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * A browser as far as sign-in needs one: follows redirects with a cookie jar, and on the IdP's
 * login and consent pages submits the form as `login`. `rewrite` may change any URL before it is
 * requested (an attacker in the browser). Returns the last response (not a redirect).
 */
export async function browse(start: string, login: string, rewrite: (u: URL) => URL = (u) => u, headers: Record<string, string> = {}): Promise<{ url: URL; status: number; body: string; cookies: Map<string, Map<string, string>>; setCookies: string[] }> {
  const setCookies: string[] = [];
  const jar = new Map<string, Map<string, string>>();
  let url = new URL(start);
  let init: RequestInit = {};
  for (let hop = 0; hop < 30; hop++) {
    url = rewrite(url);
    const cookies = jar.get(url.host);
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...headers, ...(init.headers as Record<string, string>), ...(cookies?.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}) } });
    for (const c of res.headers.getSetCookie()) {
      setCookies.push(c);
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const m = jar.get(url.host) ?? new Map<string, string>();
      m.set(pair!.slice(0, i), pair!.slice(i + 1));
      jar.set(url.host, m);
    }
    const body = await res.text();
    init = {};
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      continue;
    }
    const prompt = /name="prompt" value="(\w+)"/.exec(body)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(body)?.[1];
    if (res.status === 200 && prompt && action) {
      url = new URL(action.replace(/&amp;/g, '&'), url);
      const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      init = { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      continue;
    }
    return { url, status: res.status, body, cookies: jar, setCookies };
  }
  throw new Error(`too many redirects from ${start}`);
}

import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Request } from 'express';
import { z } from 'zod';
import { OidcCallbackQuery, OidcDesktopTokenRequest, OidcLogoutResponse, OidcSignInResult, OidcStartQuery } from '../../../../app/contracts/oidc-api';
import { AppError } from '../../../../app/contracts/errors';
import { bearerToken, requestToken } from '../auth';
import type { WebSessions } from '../../auth/web-session';
import { answerWebSignIn, orBackToSignIn } from './web-session-routes';
import type { ApiRoute } from '../route-table';
import type { OidcSignIn } from '../../auth/oidc-sign-in';
import type { DesktopSessions } from '../../auth/desktop-sessions';
import { DesktopSignInResult } from '../../../../app/contracts/desktop-session-api';

export const OIDC_PATH = '/auth/oidc';

/**
 * `/v1/auth/oidc`: sign-in through the org's OpenID Connect provider (docs/decisions/017). start,
 * callback and token are public (the caller has no token yet; state, nonce, PKCE and the desktop's
 * binding verifier are the checks); logout needs the token it revokes.
 */
export function oidcRoutes(signIn: OidcSignIn, publicUrl: string | undefined, web?: WebSessions, desktop?: DesktopSessions): ApiRoute[] {
  const base = OIDC_PATH;
  const apiBase = (req: Request) => publicUrl ?? `${req.protocol}://${req.get('host')}`;
  return [
    { method: 'get', path: `${base}/start`, resource: 'public', action: null, handler: async (req, res) => {
      const q = OidcStartQuery.parse(req.query);
      const desktopStart = q.redirect_uri && q.binding_challenge ? { redirectUri: q.redirect_uri, bindingChallenge: q.binding_challenge } : undefined;
      // The web app's own sign-in comes back to its screen on failure; a desktop start's browser tab has no app to return to.
      const go = async () => {
        const url = await signIn.start({ orgId: q.org, apiBase: apiBase(req), desktop: desktopStart });
        res.set('Cache-Control', 'no-store').redirect(302, url.href);
      };
      await (desktopStart ? go() : orBackToSignIn(req, res, web, go));
    } },
    { method: 'get', path: `${base}/callback`, resource: 'public', action: null, handler: async (req, res) => {
      OidcCallbackQuery.parse(req.query);
      await orBackToSignIn(req, res, web, async () => answerWebSignIn(req, res, web, await signIn.complete(new URL(req.originalUrl, apiBase(req)))));
    } },
    { method: 'post', path: `${base}/token`, resource: 'public', action: null, handler: async (req, res) => {
      const body = OidcDesktopTokenRequest.parse(req.body);
      // The pattern admits e.g. port 99999, which URL refuses: a request problem, not a crash.
      const callbackUrl = URL.canParse(body.callbackUrl) ? new URL(body.callbackUrl) : null;
      if (!callbackUrl) throw new AppError('request.invalid', 'callbackUrl is not a valid URL.', { status: 400 });
      const result = await signIn.complete(callbackUrl, body.bindingVerifier);
      // With desktop sessions the token becomes a short-lived access token with a refresh token beside it.
      if (!desktop) return void res.set('Cache-Control', 'no-store').json(result satisfies OidcSignInResult);
      const t = await desktop.begin(result.identity.orgId, { userId: result.identity.userId, accessToken: result.token });
      res.set('Cache-Control', 'no-store').json(DesktopSignInResult.parse({ ...result, expiresAt: t.accessExpiresAt, refreshToken: t.refreshToken, refreshExpiresAt: t.refreshExpiresAt }));
    } },
    // Signing out is an act on one's own identity: the same rule as reading it (me.read).
    { method: 'post', path: `${base}/logout`, resource: 'org', action: 'me.read', handler: async (req, res, ctx) => {
      // The browser's session (no bearer header) comes back to the web app after the IdP's logout:
      // register <web app origin>/ as a post-logout redirect URI at the IdP.
      const byCookie = !bearerToken(req.headers.authorization) && !!web?.tokenOf(req);
      const endSessionUrl = await signIn.logout(ctx!.identity.orgId, requestToken(req, web)!, byCookie ? `${new URL(apiBase(req)).origin}/` : undefined);
      web?.end(res);
      res.json({ endSessionUrl } satisfies OidcLogoutResponse);
    } },
  ];
}

export function registerOidcOpenApi(reg: OpenAPIRegistry, h: { security: RouteConfig['security']; errors: RouteConfig['responses']; json: (schema: z.ZodType, description: string) => RouteConfig['responses'][number] }) {
  const p = `/v1${OIDC_PATH}`;
  const result = OidcSignInResult.meta({ id: 'OidcSignInResult' });
  const startQuery = z.object({ org: z.string().uuid(), redirect_uri: z.string().regex(/^http:\/\/127\.0\.0\.1:[1-9][0-9]{0,4}\/[A-Za-z0-9/_-]*$/).optional(), binding_challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/).optional() });
  reg.registerPath({ method: 'get', path: `${p}/start`, summary: 'Start OIDC sign-in for an org (authorization code + PKCE S256): 302 to the identity provider. Desktop (RFC 8252): pass a loopback redirect_uri and the S256 binding_challenge of a verifier only the app knows. Problems: auth.oidc_not_configured (a browser of a web start: 303 to /?sign_in_error=<code>)', request: { query: startQuery }, responses: { 302: { description: 'Redirect to the identity provider' }, ...h.errors } });
  reg.registerPath({ method: 'get', path: `${p}/callback`, summary: 'The identity provider returns here (web): validates state, nonce, PKCE and the ID token, creates the user just in time, sets the browser session cookie (HttpOnly, Secure, SameSite=Lax) and redirects a browser (Accept: text/html) into the app with 303, or answers the result as JSON. A failure sends a browser back into the app with 303 to /?sign_in_error=<code>; an API client gets the problem. Problems: auth.oidc_state_invalid, auth.oidc_nonce_mismatch, auth.oidc_token_invalid, auth.domain_not_allowed, auth.role_not_mapped, auth.oidc_provider_error', request: { query: OidcCallbackQuery }, responses: { 200: h.json(result, 'Signed in'), 303: { description: 'Signed in (a browser): the session cookie is set; on into the app' }, ...h.errors } });
  reg.registerPath({ method: 'post', path: `${p}/token`, summary: 'Desktop (RFC 8252): finish a loopback sign-in with the URL the loopback listener received and the binding verifier; answers a short-lived access token and the first refresh token of a new family (POST /v1/auth/refresh). Problems as the callback, and auth.oidc_binding_invalid', request: { body: { content: { 'application/json': { schema: OidcDesktopTokenRequest } } } }, responses: { 200: h.json(DesktopSignInResult.meta({ id: 'DesktopSignInResult' }), 'Signed in'), ...h.errors } });
  reg.registerPath({ method: 'post', path: `${p}/logout`, summary: 'Sign out: revokes the bearer token or the browser\'s session cookie (and clears it); answers the identity provider\'s end-session URL (RP-initiated logout) when it has one', security: h.security, responses: { 200: h.json(OidcLogoutResponse, 'Signed out'), ...h.errors } });
}

import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { OidcSignInResult } from '../../../../app/contracts/oidc-api';
import { WebSessionResponse } from '../../../../app/contracts/web-session-api';
import { isAppError } from '../../../../app/contracts/errors';
import type { ApiRoute } from '../route-table';
import type { WebSessions } from '../../auth/web-session';

/**
 * `/v1/auth/web-session`: the CSRF token of the browser's cookie session (decision 025). Reading
 * it is an act on one's own identity (me.read); it needs the cookie, not a bearer token.
 */
export function webSessionRoutes(web: WebSessions): ApiRoute[] {
  return [
    { method: 'get', path: '/auth/web-session', resource: 'org', action: 'me.read', handler: async (req, res) => {
      res.set('Cache-Control', 'no-store').json({ csrfToken: web.csrfToken(req, res) } satisfies WebSessionResponse);
    } },
  ];
}

/**
 * Answers a browser sign-in (OIDC web callback, SAML, a one-time link): the session cookie, then
 * a redirect into the app for a browser (Accept: text/html); an API client asking for JSON still
 * gets the result as JSON.
 */
export function answerWebSignIn(req: Request, res: Response, web: WebSessions | undefined, result: OidcSignInResult): void {
  res.set('Cache-Control', 'no-store');
  if (web) web.start(res, result);
  if (web && req.accepts(['json', 'html']) === 'html') return void res.redirect(303, '/');
  res.json(result);
}

/** The query key a browser sign-in's failure comes back to the app with (renderer/ui/sign-in-error.ts). */
export const SIGN_IN_ERROR_PARAM = 'sign_in_error';

/**
 * A browser sign-in that failed (start or callback): a browser (Accept: text/html) goes back into
 * the app with only the stable code (`/?sign_in_error=<code>`), where the sign-in screen says it
 * plainly, instead of reading problem JSON; an API client still gets the problem. The message
 * is not put in the address: a crafted link could make the screen say anything.
 */
export async function orBackToSignIn(req: Request, res: Response, web: WebSessions | undefined, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (!web || !isAppError(e) || req.accepts(['json', 'html']) !== 'html') throw e;
    res.set('Cache-Control', 'no-store').redirect(303, `/?${SIGN_IN_ERROR_PARAM}=${encodeURIComponent(e.code)}`);
  }
}

export function registerWebSessionOpenApi(reg: OpenAPIRegistry, h: { security: RouteConfig['security']; errors: RouteConfig['responses']; json: (schema: z.ZodType, description: string) => RouteConfig['responses'][number] }) {
  reg.registerPath({ method: 'get', path: '/v1/auth/web-session', summary: 'The CSRF token of the browser\'s session cookie (set by a web sign-in): send it as X-CSRF-Token on every state-changing request the cookie signs in (else 403 auth.csrf_invalid). Problems: auth.web_session_missing (signed in by a bearer token, not the cookie)', security: h.security, responses: { 200: h.json(WebSessionResponse.meta({ id: 'WebSessionResponse' }), 'The session\'s CSRF token'), ...h.errors } });
}

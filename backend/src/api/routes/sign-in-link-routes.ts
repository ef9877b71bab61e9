import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { OidcSignInResult } from '../../../../app/contracts/oidc-api';
import { SignInLinkQuery } from '../../../../app/contracts/sign-in-link-api';
import type { ApiRoute } from '../route-table';
import type { SignInLinks } from '../../auth/sign-in-links';
import type { WebSessions } from '../../auth/web-session';
import { answerWebSignIn } from './web-session-routes';

/** `/v1/auth/sign-in-link`: redeems a one-time link (public: the link's secret is the check). */
export function signInLinkRoutes(links: SignInLinks, web?: WebSessions): ApiRoute[] {
  return [
    { method: 'get', path: '/auth/sign-in-link', resource: 'public', action: null, handler: async (req, res) => {
      const q = SignInLinkQuery.parse(req.query);
      res.set('Referrer-Policy', 'no-referrer');
      answerWebSignIn(req, res, web, await links.redeem(q.token));
    } },
  ];
}

export function registerSignInLinkOpenApi(reg: OpenAPIRegistry, h: { errors: RouteConfig['responses']; json: (schema: z.ZodType, description: string) => RouteConfig['responses'][number] }) {
  reg.registerPath({ method: 'get', path: '/v1/auth/sign-in-link', summary: 'Redeem a one-time sign-in link (printed by `feedback admin create-org` for the first org_admin): answers the app token once (a browser: the session cookie and a 303 into the app). Problems: auth.sign_in_link_invalid (unknown, expired or already used)', request: { query: z.object({ token: z.string() }) }, responses: { 200: h.json(OidcSignInResult.meta({ id: 'OidcSignInResult' }), 'Signed in'), 303: { description: 'Signed in (a browser): the session cookie is set; on into the app' }, ...h.errors } });
}

import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { AccessAction, SessionResource, UserSubject } from '../access/access-policy';
import type { Authorizer } from '../access/authorizer';
import { authenticate, identityOf, type IdentityResolver, type Identity, type SignInThrottle } from './auth';
import { refuseInvalidText } from './text-guard';
import type { WebSessions } from '../auth/web-session';
import type { HttpRouteContract } from '../../../app/contracts/http-route';

/** What a route's handler gets besides req and res: who calls, and the session the guard loaded. */
export interface RouteContext {
  identity: Identity;
  subject: UserSubject;
  /** Set when the route's resource is 'session' (loaded from `:id` and authorized). */
  session: SessionResource | null;
}

/**
 * One row of the API's route table: every route names the access action it needs and the
 * resource the action is on. The guard runs before the body is parsed, and the access-matrix test
 * (access-matrix.test.ts) is generated from these rows.
 */
export type RouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type RouteRule =
  | {
      method: RouteMethod; path: string; resource: 'org' | 'session'; action: AccessAction;
      /**
       * A media element's GET cannot send headers: this route also takes the app token as the
       * `access_token` query parameter, as both WebSockets do (docs/decisions/027).
       */
      queryToken?: true;
    }
  /** No sign-in (a guest redeeming an invite); the handler makes its own checks. */
  | { method: RouteMethod; path: string; resource: 'public'; action: null }
  /**
   * SCIM provisioning under /scim/v2 (not /v1): the org's SCIM credential is the one check, no
   * user token is accepted (docs/decisions/021). Mounted by scim-routes.ts.
   */
  | { method: RouteMethod; path: string; resource: 'scim'; action: null };

export type ApiRoute = RouteRule & {
  /** The route's declaration in app/contracts (contract-route.ts): its validation and its OpenAPI entry. */
  contract?: HttpRouteContract;
  handler: (req: Request, res: Response, ctx: RouteContext | null) => Promise<void>;
};

export const routeRule = ({ method, path, resource, action }: ApiRoute): RouteRule => ({ method, path, resource, action }) as RouteRule;

/** The path a rule answers at: SCIM routes under /scim/v2, every other under /v1. */
export const fullPathOf = (r: Pick<RouteRule, 'path' | 'resource'>): string => `${r.resource === 'scim' ? '/scim/v2' : '/v1'}${r.path}`;

export interface MountOptions {
  authorizer: Authorizer;
  resolver: IdentityResolver;
  throttle?: SignInThrottle;
  /** The browser's cookie session and its CSRF check; bearer tokens only when not given. */
  web?: WebSessions;
  /** JSON bodies larger than this are refused (413). */
  jsonLimit?: string;
}

/**
 * Mounts the table on `router` (paths under /v1): sign-in, then the access decision (loading the
 * session named by `:id`), then the JSON body, then the handler. An unauthenticated or unauthorized
 * request is answered before a byte of its body is parsed.
 */
export function mountRoutes(router: Router, routes: readonly ApiRoute[], opts: MountOptions): void {
  const json = express.json({ limit: opts.jsonLimit ?? '1mb' });
  const signIn = authenticate(opts.resolver, opts.throttle, opts.web);
  for (const route of routes) {
    if (route.resource === 'scim') continue;
    const chain: RequestHandler[] = [];
    if (route.resource !== 'public') {
      const { action, resource } = route;
      // The path and query string are checked for NUL before the session they name is looked up.
      chain.push(...(route.queryToken ? [refuseInvalidText, tokenFromQuery] : []), signIn, refuseInvalidText, (req, res, next) => {
        void (async () => {
          const identity = identityOf(res);
          const subject = await opts.authorizer.subjectOf(identity);
          const session = resource === 'session' ? await opts.authorizer.requireSession(subject, action, String(req.params.id)) : null;
          if (resource === 'org') await opts.authorizer.require(subject, action, { type: 'org', orgId: identity.orgId });
          res.locals.route = { identity, subject, session } satisfies RouteContext;
        })().then(() => next(), next);
      });
    }
    chain.push(json, refuseInvalidText, (req, res, next) => {
      route.handler(req, res, (res.locals.route as RouteContext | undefined) ?? null).catch(next);
    });
    router[route.method](route.path, ...chain);
  }
}

/**
 * Moves `?access_token=` into the Authorization header when the request has none, so the one
 * sign-in (throttle, resolver, expiry, revocation) applies unchanged; a bearer header wins.
 */
const tokenFromQuery: RequestHandler = (req, _res, next) => {
  const q = req.query.access_token;
  if (!req.headers.authorization && typeof q === 'string' && q) req.headers.authorization = `Bearer ${q}`;
  next();
};

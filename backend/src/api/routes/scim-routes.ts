import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { type Router } from 'express';
import { z } from 'zod';
import { isAppError } from '../../../../app/contracts/errors';
import { bearerToken, type SignInThrottle } from '../auth';
import type { ApiRoute } from '../route-table';
import { scimError, SCIM_BASE, type ScimAnswer, type ScimOperation, type ScimResourceName, type ScimService } from '../../scim/scim-service';

export { SCIM_BASE };
type ScimOrg = Awaited<ReturnType<ScimService['authenticate']>>;
const SCIM_TYPE = 'application/scim+json';

function send(res: express.Response, a: ScimAnswer) {
  res.status(a.status).set('Cache-Control', 'no-store');
  if (a.body === null) res.end();
  else res.type(SCIM_TYPE).send(JSON.stringify(a.body));
}

const query = (q: unknown) => Object.fromEntries(Object.entries((q ?? {}) as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));

/**
 * `/scim/v2/Users` and `/scim/v2/Groups` (RFC 7644) for an IdP's provisioning (Entra ID, Okta),
 * signed in with the org's SCIM credential (docs/decisions/021). Rows of the route table with
 * resource 'scim': the access-matrix test checks that no user token opens them.
 */
export function scimRoutes(scim: ScimService): ApiRoute[] {
  const routes: ApiRoute[] = [];
  for (const resource of ['Users', 'Groups'] as ScimResourceName[]) {
    const handler = (op: (req: express.Request) => ScimOperation): ApiRoute['handler'] => async (req, res) => {
      send(res, await scim.handle(res.locals.scim as ScimOrg, resource, op(req)));
    };
    const id = (req: express.Request) => String(req.params.id);
    routes.push(
      { method: 'get', path: `/${resource}`, resource: 'scim', action: null, handler: handler((req) => ({ op: 'list', query: query(req.query) })) },
      { method: 'post', path: `/${resource}`, resource: 'scim', action: null, handler: handler((req) => ({ op: 'create', body: req.body })) },
      { method: 'get', path: `/${resource}/:id`, resource: 'scim', action: null, handler: handler((req) => ({ op: 'get', id: id(req), query: query(req.query) })) },
      { method: 'put', path: `/${resource}/:id`, resource: 'scim', action: null, handler: handler((req) => ({ op: 'replace', id: id(req), body: req.body })) },
      { method: 'patch', path: `/${resource}/:id`, resource: 'scim', action: null, handler: handler((req) => ({ op: 'patch', id: id(req), body: req.body })) },
      { method: 'delete', path: `/${resource}/:id`, resource: 'scim', action: null, handler: handler((req) => ({ op: 'delete', id: id(req) })) },
    );
  }
  return routes;
}

/**
 * Mounts the SCIM rows of the table on `router` (at /scim/v2): the SCIM credential first (failed
 * attempts counted by the sign-in throttle), then a JSON body (application/scim+json too), then the
 * handler. Every refusal is a SCIM error body with our stable `code`.
 */
/** `onChanged`: after every SCIM change that succeeded (a user deactivated, a group's members), so live sockets are re-checked at once. */
export function mountScimRoutes(router: Router, routes: readonly ApiRoute[], scim: ScimService, throttle?: SignInThrottle, onChanged?: () => void): void {
  const json = express.json({ limit: '1mb', type: ['application/json', SCIM_TYPE] });
  const signIn: express.RequestHandler = (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    void (async () => {
      if (token) await throttle?.check(client);
      try {
        res.locals.scim = await scim.authenticate(token);
      } catch (e) {
        if (token) await throttle?.failed(client);
        throw e;
      }
    })().then(() => next(), (e: unknown) => {
      if (isAppError(e) && e.status === 429) return next(e);
      send(res, scimError(401, isAppError(e) ? e.message : 'Not signed in'));
    });
  };
  for (const route of routes) {
    if (route.resource !== 'scim') continue;
    router[route.method](route.path, signIn, json, (req, res, next) => {
      if (onChanged && req.method !== 'GET') res.once('finish', () => res.statusCode < 400 && onChanged());
      route.handler(req, res, null).catch(next);
    });
  }
  router.use(((e, _req, res, next) => {
    const err = e as { type?: string; message?: string };
    if (err?.type === 'entity.parse.failed') return send(res, scimError(400, `Malformed JSON body: ${err.message}`, 'invalidSyntax'));
    next(e);
  }) as express.ErrorRequestHandler);
}

export function registerScimOpenApi(reg: OpenAPIRegistry, h: { errors: RouteConfig['responses'] }) {
  const scimBearer = reg.registerComponent('securitySchemes', 'scimBearer', { type: 'http', scheme: 'bearer', description: 'The organisation\'s SCIM credential (fe_scim_<org id>.<secret>, `feedback admin scim-credential`)' });
  const security = [{ [scimBearer.name]: [] }];
  const body = { content: { 'application/scim+json': { schema: z.record(z.string(), z.unknown()) } } };
  const answer = (d: string) => ({ description: d, content: { 'application/scim+json': { schema: z.record(z.string(), z.unknown()) } } });
  const errors = { 400: answer('SCIM error (code scim.invalid)'), 401: answer('SCIM error (code auth.scim_credential_invalid)'), 404: answer('SCIM error (code scim.not_found)'), 409: answer('SCIM error (code scim.conflict)'), 429: h.errors[429] ?? answer('rate.limited'), ...Object.fromEntries([413, 415, 431].flatMap((s) => (h.errors[s] ? [[s, h.errors[s]]] : []))) };
  const id = z.object({ id: z.string() });
  for (const [name, what] of [['Users', 'users (userName = email; active=false deactivates and revokes every token at once)'], ['Groups', 'groups (displayName → role by the org\'s role map; membership sets the members\' roles)']] as const) {
    const p = `${SCIM_BASE}/${name}`;
    reg.registerPath({ method: 'get', path: p, summary: `SCIM: list ${what}; filter e.g. userName eq "a@b.org"`, security, request: { query: z.object({ filter: z.string().optional(), startIndex: z.string().optional(), count: z.string().optional(), attributes: z.string().optional(), excludedAttributes: z.string().optional() }) }, responses: { 200: answer('ListResponse'), ...errors } });
    reg.registerPath({ method: 'post', path: p, summary: `SCIM: create ${name === 'Users' ? 'a user' : 'a group'}`, security, request: { body }, responses: { 201: answer('Created'), ...errors } });
    reg.registerPath({ method: 'get', path: `${p}/{id}`, summary: `SCIM: one of the ${name}`, security, request: { params: id }, responses: { 200: answer('Resource'), ...errors } });
    reg.registerPath({ method: 'put', path: `${p}/{id}`, summary: `SCIM: replace one of the ${name}`, security, request: { params: id, body }, responses: { 200: answer('Resource'), ...errors } });
    reg.registerPath({ method: 'patch', path: `${p}/{id}`, summary: `SCIM: PatchOp on one of the ${name}`, security, request: { params: id, body }, responses: { 200: answer('Resource'), ...errors } });
    reg.registerPath({ method: 'delete', path: `${p}/{id}`, summary: `SCIM: delete one of the ${name}${name === 'Users' ? ' (deactivated and hidden; the row stays for the sessions and audit entries naming it)' : ''}`, security, request: { params: id }, responses: { 204: { description: 'Deleted' }, ...errors } });
  }
}

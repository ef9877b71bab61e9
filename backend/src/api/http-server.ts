import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import cookieParser from 'cookie-parser';
import { Rubric } from '../../../app/rubric/rubric';
import { bearerToken, requestToken, type IdentityResolver } from './auth';
import { AppError } from '../../../app/contracts/errors';
import { errorMiddleware, notFound } from './problem';
import { answerClientErrors } from './client-errors';
import { mountRoutes, type ApiRoute } from './route-table';
import { contractRoute } from './contract-route';
import { SessionApiRoutes } from '../../../app/contracts/session-api';
import type { AccessEngine } from '../access/access-policy';
import type { Database } from '../db/database';
import { createAuthorizer, type Authorizer } from '../access/authorizer';
import { createEventsHub, EVENTS_PATH } from './events-hub';
import { createUpgradeRouter, trackConnections } from './websocket-upgrades';
import type { AbuseLimits } from './abuse-limits';
import { createClientAddressing } from './client-address';
import { buildOpenApiDocument } from './openapi';
import { methodNotAllowed } from './method-not-allowed';
import { sessionRoutes } from './routes/session-routes';
import { recordingRoutes } from './routes/recording-routes';
import { aiAdminRoutes } from './routes/ai-admin-routes';
import type { AiAdminService } from '../gateway/admin/ai-admin-service';
import { aiGatewaySettingsRoutes } from './routes/ai-gateway-settings-routes';
import type { AiGatewaySettingsService } from '../gateway/admin/ai-gateway-settings-service';
import { oidcRoutes } from './routes/oidc-routes';
import { webSessionRoutes } from './routes/web-session-routes';
import type { WebSessions } from '../auth/web-session';
import type { OidcSignIn } from '../auth/oidc-sign-in';
import { signInLinkRoutes } from './routes/sign-in-link-routes';
import { desktopSessionRoutes } from './routes/desktop-session-routes';
import { orgSettingsRoutes } from './routes/org-settings-routes';
import type { DesktopSessions } from '../auth/desktop-sessions';
import type { SignInLinks } from '../auth/sign-in-links';
import { mountScimRoutes, scimRoutes, SCIM_BASE } from './routes/scim-routes';
import type { ScimService } from '../scim/scim-service';
import { samlRoutes } from './routes/saml-routes';
import { updateFeedRoutes, type UpdateFeedOptions } from '../updates/update-routes';
import type { SamlSignIn } from '../auth/saml-sign-in';
import { createRecordingUpload, UPLOADS_PATH } from '../uploads/recording-upload';
import type { SessionService } from '../sessions/session-service';
import { createSignaling, type SignalingOptions } from '../signaling/signaling';
import { auditTrailRoutes } from './routes/audit-trail-routes';
import { SIGNAL_PATH } from '../../../app/contracts/signaling';
import { createHttpServer, serverUrl, type ServerTls } from '../transport/tls-server';
import { apiCors, apiSecurityHeaders, corsOriginCheck } from '../transport/security-headers';
import type { OpsEndpoints } from '../ops/ops-endpoints';
import { createRequestLog, fromProxies } from '../ops/request-log';
import { traceRequest } from '../ops/tracing';
import { silentLog, type Log } from '../runtime/log';
import type { Metrics } from '../ops/metrics';

export interface ApiServerDeps {
  sessions: SessionService;
  resolver: IdentityResolver;
  db: Database;
  /** The access policy (resources/policies/access.rego) from the compiled policy bundle. */
  access: AccessEngine;
  rubrics: () => Promise<Rubric[]>;
  uploadsDir: string;
  maxUploadBytes: number;
  publicUrl?: string;
  /** Static files of the web client, served at / when given. */
  webRoot?: string;
  log?: Log;
  /** Call signaling (guest invites, WebSocket /v1/signal); off when not given. */
  signaling?: SignalingOptions;
  /** Unfinished uploads are deleted this long after creation (FE_UPLOAD_EXPIRY_SEC). Default 24 h. */
  uploadExpirySec?: number;
  /** Admin API of the AI gateway (/v1/admin/ai); off when not given. */
  aiAdmin?: AiAdminService;
  /** Policy overrides and service credentials of the AI gateway (/v1/admin/ai/policy, /credentials); off when not given. */
  aiGatewaySettings?: AiGatewaySettingsService;
  /** OpenID Connect sign-in (/v1/auth/oidc); off when not given. */
  oidc?: OidcSignIn;
  /** The browser's session cookie and its CSRF protection (decision 025); bearer tokens only when not given. */
  web?: WebSessions;
  /** One-time sign-in links (/v1/auth/sign-in-link, `feedback admin create-org`); off when not given. */
  signInLinks?: SignInLinks;
  /** The desktop's rotating refresh tokens (/v1/auth/refresh, /v1/auth/revoke); off when not given. */
  desktopSessions?: DesktopSessions;
  /** SCIM 2.0 provisioning (/scim/v2/Users, /Groups) with each org's SCIM credential; off when not given. */
  scim?: ScimService;
  /** SAML 2.0 sign-in (/v1/auth/saml/:org/…); off when not given (no SP key and certificate configured). */
  saml?: SamlSignIn;
  /** WebSocket caps (config: FE_WS_*); defaults suit tests. */
  sockets?: { maxConnections?: number; maxConnectionsPerUser?: number };
  /** Failed sign-ins and wrong invite codes per client address, shared through PostgreSQL (abuse-limits.ts). */
  limits: AbuseLimits;
  /** Reverse proxies whose forwarding headers are believed (FE_TRUSTED_PROXIES); none by default. */
  trustedProxies?: readonly string[];
  /** Certificate and key (FE_TLS_CERT_FILE/FE_TLS_KEY_FILE): HTTPS and WSS, TLS 1.3 only. Plain HTTP when not given. */
  tls?: ServerTls;
  /** Origins whose pages may call the API cross-origin (FE_CORS_ORIGINS); none by default. */
  corsOrigins?: readonly string[];
  /** /healthz, /readyz and /metrics (ops/ops-endpoints.ts); a bare /healthz when not given. */
  ops?: OpsEndpoints;
  /** Counts every HTTP answer by route template (ops/metrics.ts). */
  metrics?: Pick<Metrics, 'observeHttp'>;
  /** Desktop update feed (/v1/updates, FE_UPDATES_*); answers 404 update.not_found when not given. */
  updates?: UpdateFeedOptions;
}

/**
 * The API's route table (paths under /v1): each row names its access action and resource. The
 * access-matrix test is generated from it, so a route added here without a rule in the policy fails.
 */
export function apiRoutes(deps: Pick<ApiServerDeps, 'sessions' | 'rubrics' | 'aiAdmin' | 'aiGatewaySettings' | 'oidc' | 'signInLinks' | 'desktopSessions' | 'scim' | 'saml' | 'publicUrl' | 'updates' | 'web'>, authorizer: Authorizer, signalingRoutes: readonly ApiRoute[] = []): ApiRoute[] {
  return [
    contractRoute(SessionApiRoutes.me, { resource: 'org', action: 'me.read' }, async (_in, ctx) => {
      const id = ctx!.identity;
      return { status: 200, body: { orgId: id.orgId, orgName: id.orgName, userId: id.userId, email: id.email, displayName: id.displayName, roles: id.roles } };
    }),
    contractRoute(SessionApiRoutes.rubrics, { resource: 'org', action: 'rubrics.read' }, async () => ({ status: 200, body: { rubrics: await deps.rubrics() } })),
    ...sessionRoutes(deps.sessions, authorizer),
    ...recordingRoutes(deps.sessions),
    ...signalingRoutes,
    ...auditTrailRoutes(authorizer.db),
    ...(deps.aiAdmin ? aiAdminRoutes(deps.aiAdmin) : []),
    ...(deps.aiGatewaySettings ? aiGatewaySettingsRoutes(deps.aiGatewaySettings) : []),
    ...(deps.oidc ? oidcRoutes(deps.oidc, deps.publicUrl, deps.web, deps.desktopSessions) : []),
    ...(deps.signInLinks ? signInLinkRoutes(deps.signInLinks, deps.web) : []),
    ...(deps.desktopSessions ? [...desktopSessionRoutes(deps.desktopSessions), ...orgSettingsRoutes(deps.desktopSessions)] : []),
    ...(deps.web ? webSessionRoutes(deps.web) : []),
    ...(deps.scim ? scimRoutes(deps.scim) : []),
    ...(deps.saml ? samlRoutes(deps.saml, deps.publicUrl) : []),
    ...updateFeedRoutes(deps.updates),
  ];
}

/** The methods of the tus protocol (creation, offset, append, termination, CORS preflight), and GET (a look at an upload). */
const TUS_METHODS = ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS', 'GET'];

export function createApiServer(deps: ApiServerDeps) {
  const app = express();
  app.disable('x-powered-by');
  const addressing = createClientAddressing(deps.trustedProxies ?? []);
  // req.ip, req.protocol and req.host believe X-Forwarded-* only from a trusted proxy.
  app.set('trust proxy', addressing.trust);
  const server = createHttpServer(app, { tls: deps.tls });
  const connections = trackConnections(server);
  answerClientErrors(server);
  const clientOf = (req: http.IncomingMessage) => {
    addressing.stripUntrustedForwarding(req);
    return addressing.addressOf(req);
  };
  const { limits } = deps;
  const authorizer = createAuthorizer({ db: deps.db, engine: deps.access, log: deps.log });
  const upgrades = createUpgradeRouter({ clientOf, maxConnections: deps.sockets?.maxConnections ?? 1000, log: deps.log });
  server.on('upgrade', upgrades.listener);
  // The web app is served from the API's own origin (FE_PUBLIC_URL, else the address the request was sent to).
  const webOriginOf = (req: http.IncomingMessage) => (deps.publicUrl ? new URL(deps.publicUrl).origin : `${deps.tls ? 'https' : 'http'}://${req.headers.host ?? ''}`);
  const web = deps.web;
  const cookieToken = web ? (req: http.IncomingMessage) => web.upgradeTokenOf(req, webOriginOf(req)) : undefined;
  const hub = createEventsHub(deps.resolver, { db: deps.db, authorizer }, { maxConnectionsPerUser: deps.sockets?.maxConnectionsPerUser, throttle: limits.signIn, cookieToken, log: deps.log });
  upgrades.route(EVENTS_PATH, hub.handleUpgrade);
  const signaling = deps.signaling ? createSignaling(deps.signaling, deps.resolver, authorizer, { maxConnectionsPerParticipant: deps.sockets?.maxConnectionsPerUser, throttle: limits.signIn, joinLimit: limits.join, log: deps.log }) : undefined;
  const signalHub = signaling?.hub;
  if (signalHub) upgrades.route(SIGNAL_PATH, signalHub.handleUpgrade);
  const upload = createRecordingUpload({ uploadsDir: deps.uploadsDir, maxBytes: deps.maxUploadBytes, expirySec: deps.uploadExpirySec, resolver: deps.resolver, throttle: limits.signIn, clientOf, sessions: deps.sessions, authorizer, publicBase: deps.publicUrl, allowedOrigin: corsOriginCheck(deps.corsOrigins ?? []), tokenOf: (req) => bearerToken(req.headers.authorization) ?? web?.tokenOf(req as express.Request) ?? null, log: deps.log });

  // Before anything reads a header: forwarding headers from anyone but a trusted proxy are dropped.
  app.use((req, _res, next) => {
    addressing.stripUntrustedForwarding(req);
    next();
  });
  app.use(apiSecurityHeaders({ https: !!deps.tls || !!deps.publicUrl?.startsWith('https:') }));
  app.use(apiCors(deps.corsOrigins ?? []));
  if (deps.ops) {
    const ops = deps.ops;
    app.use((req, res, next) => (ops(req, res) ? undefined : next()));
  } else {
    app.get('/healthz', (_req, res) => {
      res.json({ ok: true });
    });
  }
  // After the probes (no span or line per health check): a span per request when tracing is on (the
  // rest of the request runs inside it), one log line per request, X-Request-Id on every answer.
  const routeOf = new WeakMap<express.Request, () => string | undefined>();
  app.use((req, res, next) => {
    const route = routeTemplateOf(req);
    routeOf.set(req, route);
    traceRequest(req, res, route, next);
  });
  app.use(createRequestLog((deps.log ?? silentLog()).pino, { trusted: fromProxies(deps.trustedProxies ?? []) }));
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.use((req, res, next) => {
      metrics.observeHttp(req, res, routeOf.get(req)!);
      next();
    });
  }
  app.get('/openapi.json', (req, res) => {
    res.json(buildOpenApiDocument(deps.publicUrl ?? `${req.protocol}://${req.get('host')}`));
  });
  // tus reads the raw body itself: mount before any body parser. The browser's session cookie signs tus in too.
  app.use(UPLOADS_PATH, cookieParser(), (req, res, next) => {
    // The collection takes creation only; an upload's own URL takes the rest of tus.
    const allowed = req.path === '/' ? ['POST', 'OPTIONS'] : TUS_METHODS;
    if (!allowed.includes(req.method)) {
      res.setHeader('Allow', allowed.join(', '));
      return next(new AppError('request.method_not_allowed', `${req.method} is not part of the tus protocol`));
    }
    // tus checks its headers before any hook signs the caller in: without a token, 401 comes first.
    // A cookie-signed POST, PATCH or DELETE needs the session's CSRF token (403 auth.csrf_invalid), as on /v1.
    if (req.method !== 'OPTIONS') {
      try {
        if (!requestToken(req, web)) return next(new AppError('auth.missing', 'Sign in first: send Authorization: Bearer <token> (or the web app\'s session cookie).'));
      } catch (e) {
        return next(e);
      }
    }
    // A missing Tus-Resumable is a malformed request: 400 problem, as tus already answers a wrong version (its 412 is undocumented).
    if (req.method !== 'OPTIONS' && req.method !== 'GET' && !req.headers['tus-resumable']) return next(new AppError('request.invalid', 'Send Tus-Resumable: 1.0.0 (tus resumable upload protocol).', { status: 400 }));
    void upload.handle(req, res);
  });
  // Sign-in and the access decision come before any body is parsed (route-table.ts).
  const routes = apiRoutes(deps, authorizer, signaling?.routes ?? []);
  const v1 = express.Router();
  // The API's routes read cookies (the browser's session, its CSRF cookie); so do tus and /v1/events (not /v1/signal).
  v1.use(cookieParser());
  mountRoutes(v1, routes, { authorizer, resolver: deps.resolver, throttle: limits.signIn, web: deps.web });
  app.use('/v1', v1);
  if (deps.scim) {
    const scim = express.Router();
    // A deactivated user's sockets close now, not at the next heartbeat (the tokens are revoked by then).
    mountScimRoutes(scim, routes, deps.scim, limits.signIn, () => {
      void hub.revalidate();
      void signalHub?.revalidate();
    });
    app.use(SCIM_BASE, scim);
  }
  if (deps.webRoot) app.use(express.static(deps.webRoot));
  app.use(methodNotAllowed(buildOpenApiDocument('').paths ?? {}));
  app.use(notFound);
  app.use(errorMiddleware(deps.log));

  return {
    app,
    server,
    routes,
    authorizer,
    hub,
    signalHub,
    async listen(port: number, host: string): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const a = server.address() as AddressInfo;
      return serverUrl(host, a.port, !!deps.tls);
    },
    upload,
    /** Stops accepting, then ends every connection (WebSockets, requests in flight, half-open upgrades): it never waits on a client. */
    async close() {
      upload.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      await hub.close();
      await signalHub?.close();
      connections.destroyAll();
      await closed;
    },
  };
}
export type ApiServer = ReturnType<typeof createApiServer>;

/**
 * The route template a request was answered by (/v1/sessions/:id), never its raw path. Express
 * restores req.baseUrl once an error leaves a router, so the template is taken when the route is
 * matched; a mounted handler (tus) counts under its mount path.
 */
function routeTemplateOf(req: express.Request): () => string | undefined {
  let template: string | undefined;
  let mount: string | undefined;
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (r: { path?: unknown } | undefined) => {
      route = r;
      if (r && typeof r.path === 'string') template = `${req.baseUrl}${r.path}`;
    },
  });
  return () => template ?? (mount ||= req.baseUrl || undefined);
}

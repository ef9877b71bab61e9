import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Rubric } from '../../../app/rubric/rubric';
import { authenticate, identityOf, type IdentityResolver } from './auth';
import { errorMiddleware, notFound } from './problem';
import { refuseInvalidText } from './text-guard';
import { createEventsHub, EVENTS_PATH } from './events-hub';
import { createUpgradeRouter, trackConnections } from './websocket-upgrades';
import type { AbuseLimits } from './abuse-limits';
import { createClientAddressing } from './client-address';
import { buildOpenApiDocument } from './openapi';
import { sessionRoutes } from './routes/session-routes';
import { AI_ADMIN_PATH, aiAdminRoutes } from './routes/ai-admin-routes';
import type { AiAdminService } from '../gateway/admin/ai-admin-service';
import { aiGatewaySettingsRoutes } from './routes/ai-gateway-settings-routes';
import type { AiGatewaySettingsService } from '../gateway/admin/ai-gateway-settings-service';
import { createRecordingUpload, UPLOADS_PATH } from '../uploads/recording-upload';
import type { SessionService } from '../sessions/session-service';
import { createSignaling, type SignalingOptions } from '../signaling/signaling';
import { SIGNAL_PATH } from '../../../app/contracts/signaling';
import { createHttpServer, serverUrl, type ServerTls } from '../transport/tls-server';

export interface ApiServerDeps {
  sessions: SessionService;
  resolver: IdentityResolver;
  rubrics: () => Promise<Rubric[]>;
  uploadsDir: string;
  maxUploadBytes: number;
  publicUrl?: string;
  /** Static files of the web client, served at / when given. */
  webRoot?: string;
  log?: (m: string, d?: Record<string, unknown>) => void;
  /** Call signaling (guest invites, WebSocket /v1/signal); off when not given. */
  signaling?: SignalingOptions;
  /** Unfinished uploads are deleted this long after creation (FE_UPLOAD_EXPIRY_SEC). Default 24 h. */
  uploadExpirySec?: number;
  /** Admin API of the AI gateway (/v1/admin/ai); off when not given. */
  aiAdmin?: AiAdminService;
  /** Policy overrides and service credentials of the AI gateway (/v1/admin/ai/policy, /credentials); off when not given. */
  aiGatewaySettings?: AiGatewaySettingsService;
  /** WebSocket caps (config: FE_WS_*); defaults suit tests. */
  sockets?: { maxConnections?: number; maxConnectionsPerUser?: number };
  /** Failed sign-ins and wrong invite codes per client address, shared through PostgreSQL (abuse-limits.ts). */
  limits: AbuseLimits;
  /** Reverse proxies whose forwarding headers are believed (FE_TRUSTED_PROXIES); none by default. */
  trustedProxies?: readonly string[];
  /** Certificate and key (FE_TLS_CERT_FILE/FE_TLS_KEY_FILE): HTTPS and WSS, TLS 1.3 only. Plain HTTP when not given. */
  tls?: ServerTls;
}

export function createApiServer(deps: ApiServerDeps) {
  const app = express();
  app.disable('x-powered-by');
  const addressing = createClientAddressing(deps.trustedProxies ?? []);
  // req.ip, req.protocol and req.host believe X-Forwarded-* only from a trusted proxy.
  app.set('trust proxy', addressing.trust);
  const server = createHttpServer(app, { tls: deps.tls });
  const connections = trackConnections(server);
  const clientOf = (req: http.IncomingMessage) => {
    addressing.stripUntrustedForwarding(req);
    return addressing.addressOf(req);
  };
  const { limits } = deps;
  const upgrades = createUpgradeRouter({ clientOf, maxConnections: deps.sockets?.maxConnections ?? 1000, log: deps.log });
  server.on('upgrade', upgrades.listener);
  const hub = createEventsHub(deps.resolver, { maxConnectionsPerUser: deps.sockets?.maxConnectionsPerUser, throttle: limits.signIn, log: deps.log });
  upgrades.route(EVENTS_PATH, hub.handleUpgrade);
  const signaling = deps.signaling ? createSignaling(deps.signaling, deps.resolver, { maxConnectionsPerParticipant: deps.sockets?.maxConnectionsPerUser, throttle: limits.signIn, joinLimit: limits.join, log: deps.log }) : undefined;
  const signalHub = signaling?.hub;
  if (signalHub) upgrades.route(SIGNAL_PATH, signalHub.handleUpgrade);
  const upload = createRecordingUpload({ uploadsDir: deps.uploadsDir, maxBytes: deps.maxUploadBytes, expirySec: deps.uploadExpirySec, resolver: deps.resolver, throttle: limits.signIn, clientOf, sessions: deps.sessions, publicBase: deps.publicUrl, log: deps.log });

  // Before anything reads a header: forwarding headers from anyone but a trusted proxy are dropped.
  app.use((req, _res, next) => {
    addressing.stripUntrustedForwarding(req);
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/openapi.json', (req, res) => {
    res.json(buildOpenApiDocument(deps.publicUrl ?? `${req.protocol}://${req.get('host')}`));
  });
  // tus reads the raw body itself: mount before any body parser.
  app.use(UPLOADS_PATH, (req, res) => {
    void upload.handle(req, res);
  });
  app.use(express.json({ limit: '1mb' }));
  app.use(refuseInvalidText);
  if (signaling) app.use(signaling.routes);
  const v1 = express.Router();
  v1.use(authenticate(deps.resolver, limits.signIn));
  v1.get('/me', (_req, res) => {
    const id = identityOf(res);
    res.json({ orgId: id.orgId, orgName: id.orgName, userId: id.userId, email: id.email, displayName: id.displayName, roles: id.roles });
  });
  v1.get('/rubrics', async (_req, res) => {
    res.json({ rubrics: await deps.rubrics() });
  });
  v1.use(sessionRoutes(deps.sessions));
  if (deps.aiAdmin) v1.use(AI_ADMIN_PATH, aiAdminRoutes(deps.aiAdmin));
  if (deps.aiGatewaySettings) v1.use(AI_ADMIN_PATH, aiGatewaySettingsRoutes(deps.aiGatewaySettings));
  app.use('/v1', v1);
  if (deps.webRoot) app.use(express.static(deps.webRoot));
  app.use(notFound);
  app.use(errorMiddleware(deps.log));

  return {
    app,
    server,
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

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addApiToken, addMembership, createOrg, createUser, type Role } from '../db/repositories/identity';
import type { LocalBlobStore } from '../blobs/local-blob-store';
import { createSessionService } from '../sessions/session-service';
import { createApiServer } from '../api/http-server';
import { createOidcSignIn, type OidcSignInOptions } from '../auth/oidc-sign-in';
import { createWebSessions } from '../auth/web-session';
import { createSignInLinks } from '../auth/sign-in-links';
import { createDesktopSessions, type DesktopSessionLifetimes, type DesktopSessions } from '../auth/desktop-sessions';
import { createScimService } from '../scim/scim-service';
import { createSamlSignIn } from '../auth/saml-sign-in';
import { testSpKeys } from './saml-test-idp';
import { databaseTokenResolver } from '../api/token-resolver';
import { listenEvaluationEvents } from '../evaluations/evaluation-events';
import { getRubric, listRubrics } from '../rubrics/rubric-catalog';
import type { EvaluationClient } from '../workflows/evaluation-client';
import type { IceConfig } from '../signaling/ice-servers';
import type { ApiServer, ApiServerDeps } from '../api/http-server';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testAbuseLimits } from './test-abuse-limits';
import { loadTestAccessEngine } from './test-access';
import { assignSupervisee } from '../db/repositories/supervision';
import { createAiAdminService } from '../gateway/admin/ai-admin-service';
import { createAiGatewaySettingsService } from '../gateway/admin/ai-gateway-settings-service';
import { readPolicySources } from '../gateway/policy/policy-sources';

export interface ApiHarness {
  url: string;
  tdb: TestDatabase;
  dir: string;
  blobs: LocalBlobStore;
  api: ApiServer;
  /** The desktop sessions the API serves (start a family as a desktop sign-in would). */
  desktopSessions: DesktopSessions;
  /** A new org (or a new user in `orgId`) with one role and a bearer token. */
  user(role?: Role, orgId?: string): Promise<{ orgId: string; userId: string; token: string }>;
  /** Assigns a clinician to a supervisor (supervision_assignments) in their org. */
  assign(orgId: string, supervisorUserId: string, clinicianUserId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real API (express, tus, WebSocket) on port 0 over a fresh real PostgreSQL database and a
 * temp encrypted blob store. `evaluations` is the Temporal client (a real one in workflow tests).
 */
export async function startApiHarness(
  opts: { uploadExpirySec?: number; maxBytes?: number; maxDurationSec?: number; evaluations?: Pick<EvaluationClient, 'start' | 'terminate'>; ice?: IceConfig; webRoot?: string; sockets?: ApiServerDeps['sockets']; limits?: Parameters<typeof testAbuseLimits>[1]; trustedProxies?: string[]; publicUrl?: string; tls?: ApiServerDeps['tls']; corsOrigins?: string[]; /** Mount the AI admin routes too (budgets, audit, policy, credentials). */ admin?: boolean; log?: ApiServerDeps['log']; metrics?: ApiServerDeps['metrics']; /** OIDC sign-in options (e.g. a tampering fetch). */ oidc?: Partial<OidcSignInOptions>; /** The desktop update feed. */ updates?: ApiServerDeps['updates']; /** Desktop access/refresh lifetimes. */ desktopLifetimes?: Partial<DesktopSessionLifetimes> } = {},
): Promise<ApiHarness> {
  const tdb = await createTestDatabase();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-api-'));
  const blobs = tdb.blobStore(path.join(dir, 'blobs'));
  const evaluations = opts.evaluations ?? {
    start: async () => {
      throw new Error('no Temporal in this test');
    },
    // No workflow was ever started here (start always throws), so none is running.
    terminate: async () => 'not_running' as const,
  };
  const sessions = createSessionService({ db: tdb.db, blobs, evaluations, rubric: (id) => getRubric(id), limits: { maxBytes: opts.maxBytes ?? 50_000_000, maxDurationSec: opts.maxDurationSec ?? 3600 } });
  const access = await loadTestAccessEngine();
  const sp = await testSpKeys();
  const desktopSessions = createDesktopSessions({ db: tdb.db, lifetimes: { accessTtlSec: 900, refreshIdleSec: 3600, refreshAbsoluteSec: 7200, ...opts.desktopLifetimes } });
  const api = createApiServer({ sessions, db: tdb.db, access, resolver: databaseTokenResolver(tdb.db), rubrics: () => listRubrics(), uploadsDir: path.join(dir, 'uploads'), maxUploadBytes: opts.maxBytes ?? 50_000_000, uploadExpirySec: opts.uploadExpirySec, webRoot: opts.webRoot, sockets: opts.sockets, limits: testAbuseLimits(tdb.db, opts.limits), trustedProxies: opts.trustedProxies, publicUrl: opts.publicUrl, tls: opts.tls, corsOrigins: opts.corsOrigins, log: opts.log, metrics: opts.metrics, updates: opts.updates, ...(opts.admin ? { aiAdmin: createAiAdminService(tdb.db), aiGatewaySettings: createAiGatewaySettingsService(tdb.db, { policyVersion: readPolicySources().version }) } : {}), oidc: createOidcSignIn({ db: tdb.db, flowTtlSec: 600, sessionTtlSec: 3600, allowHttpIssuer: true, ...opts.oidc }), signInLinks: createSignInLinks({ db: tdb.db, sessionTtlSec: 3600 }), desktopSessions, web: createWebSessions({ csrfSecret: 'test-csrf-secret-of-at-least-32-characters' }), scim: createScimService({ db: tdb.db }), saml: createSamlSignIn({ db: tdb.db, spKey: sp.key, spCert: sp.cert, sessionTtlSec: 3600, requestTtlSec: 600, clockSkewSec: 60 }), signaling: { db: tdb.db, ice: opts.ice ?? { stunUrls: [], turnUrls: [], turnTtlSec: 3600 }, inviteTtlSec: 3600, guestTokenTtlSec: 3600 } });
  const events = await listenEvaluationEvents(tdb.url, (orgId, e) => void api.hub.publish(orgId, e));
  const url = await api.listen(0, '127.0.0.1');
  return {
    url,
    tdb,
    dir,
    blobs,
    api,
    desktopSessions,
    async user(role: Role = 'clinician', orgId?: string) {
      const org = orgId ?? randomUUID();
      const token = `t-${randomBytes(16).toString('hex')}`;
      const userId = await tdb.db.withOrg(org, async (tx) => {
        if (!orgId) await createOrg(tx, { name: `Org ${org.slice(0, 8)}` });
        const u = await createUser(tx, { email: `${role}-${randomBytes(3).toString('hex')}@example.test`, displayName: `Test ${role}` });
        await addMembership(tx, { userId: u.id, role });
        await addApiToken(tx, { userId: u.id, token });
        return u.id;
      });
      return { orgId: org, userId, token };
    },
    assign: (orgId, supervisorUserId, clinicianUserId) => tdb.db.withOrg(orgId, (tx) => assignSupervisee(tx, { supervisorUserId, clinicianUserId })),
    async close() {
      await events.close();
      await api.close();
      await tdb.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { randomBytes } from 'node:crypto';
import { AppError } from '../../../app/contracts/errors';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import { createDatabase, type Database } from '../db/database';
import { migrate } from '../db/migrate';
import { createAuditHeadFiles } from '../audit/audit-head-file';
import { ensureDevIdentity } from '../db/repositories/identity';
import { blobKeysOf, createLocalBlobStore, loadLegacyMasterKey } from '../blobs/local-blob-store';
import { createDataKeys } from '../crypto/data-keys';
import { openKeyProvider } from '../crypto/key-setup';
import type { BlobStore } from '../blobs/blob-store';
import { getRubric, listRubrics } from '../rubrics/rubric-catalog';
import { createEvaluationStore } from '../evaluations/evaluation-store';
import { listenEvaluationEvents } from '../evaluations/evaluation-events';
import { connectEvaluationClient, type EvaluationClient } from '../workflows/evaluation-client';
import { createEvaluationWorker } from '../workflows/worker';
import { ensureRetentionSchedule } from '../workflows/retention-schedule';
import { startGateway } from '../gateway/embedded-gateway';
import { createWorkerCredentials } from '../gateway/worker-credentials';
import { createSessionService, type SessionService } from '../sessions/session-service';
import { createOidcSignIn } from '../auth/oidc-sign-in';
import { createSignInLinks } from '../auth/sign-in-links';
import { createDesktopSessions } from '../auth/desktop-sessions';
import { createWebSessions } from '../auth/web-session';
import { createScimService } from '../scim/scim-service';
import { createSamlSignIn } from '../auth/saml-sign-in';
import { createApiServer } from '../api/http-server';
import { createAiAdminService } from '../gateway/admin/ai-admin-service';
import { createAiGatewaySettingsService } from '../gateway/admin/ai-gateway-settings-service';
import { readPolicySources } from '../gateway/policy/policy-sources';
import { databaseTokenResolver } from '../api/token-resolver';
import { createAbuseLimits } from '../api/abuse-limits';
import { signalingOptionsFrom } from '../signaling/signaling';
import type { Identity } from '../api/auth';
import { startEmbeddedPostgres } from './embedded-postgres';
import { provisionEmbeddedLogins, warnIfPrivilegedLogin } from './database-logins';
import { refuseExposedDevToken } from './exposure-check';
import { findTemporalCli, startTemporalDevServer } from './temporal-dev-server';
import { startTemporalServer } from './temporal-server';
import { ensureTemporalServer } from './temporal-server-build';
import type { Log } from './log';
import { readServerTls } from '../transport/tls-server';
import { temporalConnectionOptions } from '../transport/temporal-connection';
import { loadAccessEngine } from '../access/access-policy';
import { createAuthorizer } from '../access/authorizer';
import { evaluationAccess } from '../access/evaluation-access';
import { ensurePolicyBundle } from '../gateway/policy/policy-build';
import { blobsCheck, createReadiness, databaseCheck, gatewayCheck, modelFilesCheck, temporalCheck } from '../ops/readiness';
import { createOpsEndpoints } from '../ops/ops-endpoints';
import { listenOpsEndpoints } from '../ops/ops-listener';
import { createMetrics } from '../ops/metrics';
import { startTracing } from '../ops/tracing';
import { ensureNamespace, namespaceRetentionDays, orgNamespace } from '../workflows/org-namespaces';
import { startOrgWorkers } from '../workflows/org-workers';
import type { EvaluationDeps } from '../workflows/evaluation-deps';
import { effectiveRetention, listRetentionOrgIds } from '../db/repositories/retention';
import { lazyClassifierCoder } from '../coding/classifier/lazy-classifier-coder';

export interface Runtime {
  config: Config;
  db: Database;
  databaseUrl: string;
  temporalAddress: string;
  blobs: BlobStore;
  /** The AI governance gateway's base URL (…/v1): embedded, or FE_GATEWAY_URL. Null when this process needs none. */
  gatewayUrl: string | null;
  evaluations: EvaluationClient;
  sessions: SessionService;
  devIdentity: Identity | null;
  apiUrl: string | null;
  /** The worker's health listener (FE_WORKER_HEALTH_PORT) in a process without the API; null otherwise. */
  workerOpsUrl: string | null;
  stop(): Promise<void>;
}

export { defaultLlmModelPath, defaultSttModelPath } from './model-paths';

/**
 * Start every part in order (database, migrations, Temporal, blobs, LLM, worker, API), logging each
 * step; stop() undoes them in reverse. A failed start stops whatever had started.
 */
export async function startRuntime(config: Config, opts: { api: boolean; worker: boolean; gateway?: boolean; log: (component: string) => Log; webRoot?: string }): Promise<Runtime> {
  const stops: { name: string; fn: () => Promise<unknown> }[] = [];
  const log = opts.log('runtime');
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s.fn();
        log(`stopped ${s.name}`);
      } catch (e) {
        log.error(`stopping ${s.name} failed: ${(e as Error).message}`);
      }
    }
    stops.length = 0;
  };
  // Before anything starts: a refused configuration leaves nothing to stop.
  if (opts.api) refuseExposedDevToken(config);
  try {
    const tracing = await startTracing({ exporterUrl: config.otelExporterUrl, serviceName: config.otelServiceName ?? (opts.api ? 'feedback-api' : 'feedback-worker') });
    stops.push({ name: 'tracing', fn: () => tracing.stop() });
    await mkdir(config.dataDir, { recursive: true });

    let databaseUrl = config.databaseUrl;
    let migrateUrl = config.databaseMigrateUrl ?? config.databaseUrl;
    let temporalDatabaseUrl = config.temporalDatabaseUrl;
    if (!databaseUrl) {
      log('starting embedded PostgreSQL…');
      const pg = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: config.embeddedPgPort, log: opts.log('postgres') });
      stops.push({ name: 'PostgreSQL', fn: () => pg.stop() });
      temporalDatabaseUrl ??= pg.adminUrl;
      const logins = await provisionEmbeddedLogins(pg.adminUrl, pg.url);
      databaseUrl = logins.appUrl;
      migrateUrl = logins.ownerUrl;
      log(`PostgreSQL ready on port ${pg.port} (migrations as fe_owner, the app as fe_web)`);
    } else {
      await warnIfPrivilegedLogin(databaseUrl, log);
    }
    const { applied } = await migrate(migrateUrl!, opts.log('migrate'));
    log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema up to date');
    // Per-org data keys wrapped by the key-encryption key (docs/decisions/015): columns and blobs.
    const dataKeys = createDataKeys({ provider: await openKeyProvider(config, opts.log('keys')) });
    const db = createDatabase(databaseUrl, { keys: dataKeys, auditHeads: createAuditHeadFiles(config.derived.auditHeadDir), onError: (e) => ((e as { code?: string }).code === '57P01' ? log.debug : log.error)(`database: ${e.message}`) });
    // 57P01 admin_shutdown: PostgreSQL stopping (embedded PostgreSQL at our own shutdown) ends idle connections; not an error of ours.
    stops.push({ name: 'database pool', fn: () => db.close() });
    // One authorization model for the API, the worker and the gateway (docs/decisions/013).
    const bundle = await ensurePolicyBundle({ dataDir: config.dataDir, outDir: config.derived.policyBundleDir, pathEnv: config.derived.pathEnv, onProgress: (m) => log(m) });
    const access = await loadAccessEngine({ bundleDir: bundle.bundleDir });

    let temporalAddress = config.temporalAddress;
    if (!temporalAddress && config.temporalMode === 'server') {
      if (!temporalDatabaseUrl) throw new AppError('config.invalid', 'FE_TEMPORAL_MODE=server with DATABASE_URL needs FE_TEMPORAL_DATABASE_URL (a login that may create the temporal and temporal_visibility databases).');
      log('starting Temporal server on PostgreSQL…');
      const binaries = await ensureTemporalServer({ dataDir: config.dataDir, pathEnv: config.derived.pathEnv, onProgress: (m) => log(m) });
      const t = await startTemporalServer({ binaries, adminUrl: temporalDatabaseUrl, namespace: config.temporalNamespace, stateDir: path.join(config.dataDir, 'temporal-server'), log: opts.log('temporal') });
      stops.push({ name: 'Temporal server', fn: () => t.stop() });
      temporalAddress = t.address;
    }
    if (!temporalAddress) {
      const cli = findTemporalCli({ explicit: config.temporalCli, dataDir: config.dataDir });
      log(`starting Temporal dev server (${cli})…`);
      const t = await startTemporalDevServer({ cli, dbFile: config.derived.temporalDbFile, namespace: config.temporalNamespace, log: opts.log('temporal') });
      stops.push({ name: 'Temporal dev server', fn: () => t.stop() });
      temporalAddress = t.address;
    }

    const legacyMasterKey = await loadLegacyMasterKey({ configured: config.blobMasterKey, keyFile: config.derived.legacyMasterKeyFile });
    const blobs = createLocalBlobStore({ rootDir: config.derived.blobsDir, keys: blobKeysOf(db, dataKeys), legacyMasterKey });

    // Every STT and LLM call goes through the governance gateway: started here unless FE_GATEWAY_URL names one.
    let gatewayUrl: string | null = config.gatewayUrl ?? null;
    let modelFiles: string[] = [];
    if (!gatewayUrl && (opts.worker || opts.gateway)) {
      log('starting the AI governance gateway…');
      const gw = await startGateway(config, db, opts.log, { metrics: createMetrics('gateway') });
      stops.push({ name: 'AI gateway', fn: () => gw.stop() });
      gatewayUrl = gw.baseURL;
      modelFiles = gw.modelFiles;
    }

    // The embedded dev server is plain gRPC on loopback; a configured one gets FE_TEMPORAL_TLS_* / FE_TEMPORAL_API_KEY.
    const temporal = config.temporalAddress ? temporalConnectionOptions(config, temporalAddress) : { address: temporalAddress };
    const retentionDefaults = { recordingsDays: config.retentionRecordingsDays, transcriptsDays: config.retentionTranscriptsDays, reportsDays: config.retentionReportsDays };
    const orgRetentionDays = (orgId: string) => db.withOrg(orgId, (tx) => effectiveRetention(tx, retentionDefaults)).then(namespaceRetentionDays);
    const perOrg = config.temporalNamespaces === 'per-org' ? { retentionDays: orgRetentionDays } : undefined;
    const evaluations = await connectEvaluationClient({ ...temporal, namespace: config.temporalNamespace, taskQueue: config.temporalTaskQueue, perOrg });
    stops.push({ name: 'Temporal client', fn: () => evaluations.close() });

    const readiness = createReadiness({
      database: databaseCheck(db),
      temporal: temporalCheck(evaluations.client.connection),
      blobs: blobsCheck(config.derived.blobsDir),
      ...(gatewayUrl && (opts.worker || config.gatewayUrl) ? { gateway: gatewayCheck(gatewayUrl) } : {}),
      ...(modelFiles.length ? { models: modelFilesCheck(modelFiles) } : {}),
    });
    const metrics = createMetrics(opts.api ? 'api' : 'worker');
    const ops = createOpsEndpoints({ readiness, registry: metrics.registry, public: config.opsEndpointsPublic });

    if (opts.worker) {
      const classifierCoder = config.coder === 'classifier' ? lazyClassifierCoder(config.dataDir) : null;
      if (classifierCoder) stops.push({ name: 'classifier coder', fn: () => classifierCoder.close() });
      const credentials = createWorkerCredentials(db, { name: `worker ${process.pid}`, purposes: ['transcription', 'rubric_analysis'] });
      const deps: EvaluationDeps = {
        blobs,
        access: evaluationAccess(createAuthorizer({ db, engine: access, log: opts.log('worker') })),
        store: createEvaluationStore(db),
        gateway: { baseURL: gatewayUrl!, credential: (orgId) => credentials.forOrg(orgId), chatModel: config.llmModel, sttModel: config.sttModel },
        rubric: (id) => getRubric(id),
        coder: classifierCoder ? { kind: 'classifier', load: classifierCoder.load } : { kind: 'llm' },
        limits: { maxBytes: config.maxUploadBytes, maxDurationSec: config.maxDurationSec },
        workDir: path.join(config.dataDir, 'work'),
        log: opts.log('worker'),
      };
      const workerOptions = { ...temporal, namespace: config.temporalNamespace, taskQueue: config.temporalTaskQueue, deps, log: opts.log('worker') };
      // The deployment's namespace: every evaluation with shared namespaces, and the cross-org retention sweep.
      const worker = await createEvaluationWorker({ ...workerOptions, retention: { db, blobs, defaults: retentionDefaults } });
      if (perOrg) {
        const orgWorkers = await startOrgWorkers({
          listOrgIds: () => db.withoutOrg((tx) => listRetentionOrgIds(tx)),
          ensure: async (orgId) => {
            await ensureNamespace(evaluations.client.connection, orgNamespace(orgId), await orgRetentionDays(orgId));
            return orgNamespace(orgId);
          },
          create: (namespace) => createEvaluationWorker({ ...workerOptions, namespace }),
          everyMs: config.temporalOrgRefreshSec * 1000,
          log: opts.log('worker'),
        });
        stops.push({ name: 'org workers', fn: () => orgWorkers.stop() });
      }
      const running = worker.run();
      stops.push({
        name: 'worker',
        fn: async () => {
          await worker.shutdown();
          await running.catch(() => undefined);
        },
      });
      log(`worker polling task queue ${config.temporalTaskQueue}`);
      await ensureRetentionSchedule(evaluations.client, { taskQueue: config.temporalTaskQueue, everySec: config.retentionSweepEverySec });
      log(`retention schedule every ${config.retentionSweepEverySec} s`);
    }
    let workerOpsUrl: string | null = null;
    if (opts.worker && !opts.api && config.workerHealthPort !== undefined) {
      const listener = await listenOpsEndpoints(ops, config.workerHealthPort, config.workerHealthHost);
      stops.push({ name: 'worker health listener', fn: () => listener.close() });
      workerOpsUrl = listener.url;
      log(`worker health at ${workerOpsUrl}/readyz`);
    }

    const rubric = (id: string) => getRubric(id);
    const sessions = createSessionService({ db, blobs, evaluations, rubric, limits: { maxBytes: config.maxUploadBytes, maxDurationSec: config.maxDurationSec } });

    let devIdentity: Identity | null = null;
    if (config.derived.embedded.postgres) {
      devIdentity = await ensureDevIdentity(db, { orgName: config.devOrg, userEmail: config.devUserEmail, displayName: 'Dev Clinician', role: config.devRole, token: config.devToken });
    }

    let apiUrl: string | null = null;
    if (opts.api) {
      const api = createApiServer({
        sessions,
        db,
        access,
        resolver: databaseTokenResolver(db, { devToken: devIdentity ? config.devToken : undefined }),
        rubrics: () => listRubrics(),
        uploadsDir: config.derived.uploadsDir,
        maxUploadBytes: config.maxUploadBytes,
        uploadExpirySec: config.uploadExpirySec,
        publicUrl: config.publicUrl,
        webRoot: opts.webRoot,
        signaling: signalingOptionsFrom(config, db),
        sockets: { maxConnections: config.wsMaxConnections, maxConnectionsPerUser: config.wsConnectionsPerUser },
        limits: createAbuseLimits(db, { signIn: { failures: config.authFailureLimit, windowSec: config.authFailureWindowSec }, join: { failures: config.joinFailureLimit, windowSec: config.joinFailureWindowSec } }),
        trustedProxies: config.trustedProxies,
        corsOrigins: config.corsOrigins,
        tls: readServerTls(config.tlsCertFile && config.tlsKeyFile ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile } : undefined, { cert: 'FE_TLS_CERT_FILE', key: 'FE_TLS_KEY_FILE' }),
        aiAdmin: createAiAdminService(db),
        aiGatewaySettings: createAiGatewaySettingsService(db, { policyVersion: readPolicySources().version }),
        oidc: createOidcSignIn({ db, flowTtlSec: config.oidcFlowTtlSec, sessionTtlSec: config.oidcSessionTtlSec, allowHttpIssuer: config.oidcAllowHttpIssuer }),
        signInLinks: createSignInLinks({ db, sessionTtlSec: config.oidcSessionTtlSec }),
        desktopSessions: createDesktopSessions({ db, lifetimes: { accessTtlSec: config.desktopAccessTtlSec, refreshIdleSec: config.desktopRefreshIdleSec, refreshAbsoluteSec: config.desktopRefreshAbsoluteSec } }),
        web: createWebSessions({ csrfSecret: config.csrfSecret ?? randomBytes(32).toString('base64url') }),
        scim: createScimService({ db }),
        ...(config.samlSpKeyFile && config.samlSpCertFile
          ? { saml: createSamlSignIn({ db, spKey: readFileSync(config.samlSpKeyFile, 'utf8'), spCert: readFileSync(config.samlSpCertFile, 'utf8'), sessionTtlSec: config.oidcSessionTtlSec, requestTtlSec: config.samlRequestTtlSec, clockSkewSec: config.samlClockSkewSec }) }
          : {}),
        ...(config.updatesManifestFile ? { updates: { manifestFile: config.updatesManifestFile, artefactsDir: config.updatesArtefactsDir, artefactsUrl: config.updatesArtefactsUrl } } : {}),
        log: opts.log('api'),
        ops,
        metrics,
      });
      const events = await listenEvaluationEvents(databaseUrl, (orgId, e) => {
        if (e.status === 'completed' || e.status === 'failed') metrics.evaluationFinished(e.status);
        void api.hub.publish(orgId, e);
      }, opts.log('events'));
      stops.push({ name: 'event listener', fn: () => events.close() });
      apiUrl = await api.listen(config.apiPort, config.apiHost);
      stops.push({ name: 'API', fn: () => api.close() });
      log(`API listening on ${apiUrl} (OpenAPI at ${apiUrl}/openapi.json)`);
    }

    return { config, db, databaseUrl, temporalAddress, blobs, gatewayUrl, evaluations, sessions, devIdentity, apiUrl, workerOpsUrl, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

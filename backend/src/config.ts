import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../app/contracts/errors';
import { defaultLlmModelId } from './llm/llm-manifest';
import { defaultDataDir } from './paths';

/**
 * Every configuration key: its environment variable, default and meaning. Parsed once at start
 * (`loadConfig`), frozen, and passed down; library code never reads process.env itself.
 * The README's configuration table is generated from this list (`npm run config:docs`).
 */
const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configKeys = {
  dataDir: { env: 'FE_DATA_DIR', schema: z.string().min(1), default: defaultDataDir, doc: 'Folder for the embedded runtime: database cluster, Temporal state, blobs, models, uploads.' },
  databaseUrl: { env: 'DATABASE_URL', schema: z.string().url().optional(), default: undefined, doc: 'PostgreSQL URL the API, worker and gateway connect with: a login that is no superuser, has no BYPASSRLS and is only a member of fe_app (backend/src/db/README.md, docs/decisions/016). Unset: start embedded PostgreSQL under the data folder, with the logins fe_owner (migrations) and fe_web (the app) created at each start.' },
  databaseMigrateUrl: { env: 'FE_DATABASE_URL_MIGRATE', schema: z.string().url().optional(), default: undefined, doc: 'PostgreSQL URL of the owner login that runs the migrations and owns the schema (e.g. fe_owner). Default: DATABASE_URL (then the app login must own the schema: a start with a superuser or BYPASSRLS app login logs a warning).' },
  embeddedPgPort: { env: 'FE_PG_PORT', schema: port, default: 0, doc: 'Port of the embedded PostgreSQL (0 = pick a free one).' },
  temporalAddress: { env: 'TEMPORAL_ADDRESS', schema: z.string().optional(), default: undefined, doc: 'host:port of a Temporal frontend. Unset: start the Temporal CLI dev server.' },
  temporalMode: { env: 'FE_TEMPORAL_MODE', schema: z.enum(['dev', 'server']), default: 'dev' as 'dev' | 'server', doc: 'Without TEMPORAL_ADDRESS: `dev` starts the Temporal CLI dev server on SQLite (the one-command default); `server` starts the Temporal server built at set-up on PostgreSQL, creating and migrating the `temporal` and `temporal_visibility` databases next to the main one (docs/production-guide.md).' },
  temporalDatabaseUrl: { env: 'FE_TEMPORAL_DATABASE_URL', schema: z.string().url().optional(), default: undefined, doc: 'With FE_TEMPORAL_MODE=server and DATABASE_URL: a login (any database of that server) that may create and own the temporal and temporal_visibility databases. The embedded PostgreSQL uses its own superuser.' },
  temporalCli: { env: 'TEMPORAL_CLI', schema: z.string().optional(), default: undefined, doc: 'Path of the `temporal` CLI for the dev server (else PATH, else the one `npm run setup` installs).' },
  temporalNamespace: { env: 'TEMPORAL_NAMESPACE', schema: z.string().min(1), default: 'default', doc: 'Temporal namespace for evaluation workflows.' },
  temporalNamespaces: { env: 'FE_TEMPORAL_NAMESPACES', schema: z.enum(['shared', 'per-org']), default: 'shared' as const, doc: 'shared: every org\'s evaluation workflows run in TEMPORAL_NAMESPACE (docs/decisions/002). per-org: each org\'s in its own namespace org-<orgId>, registered before its first evaluation with the shortest of the org\'s retention periods as history retention; workers poll every org\'s namespace (docs/decisions/036). The retention schedule stays in TEMPORAL_NAMESPACE.' },
  temporalOrgRefreshSec: { env: 'FE_TEMPORAL_ORG_REFRESH_SEC', schema: z.coerce.number().int().positive(), default: 30, doc: 'With FE_TEMPORAL_NAMESPACES=per-org: how often a worker looks for new orgs to poll the namespaces of, in seconds.' },
  temporalTaskQueue: { env: 'TEMPORAL_TASK_QUEUE', schema: z.string().min(1), default: 'feedback-evaluation', doc: 'Task queue the worker polls.' },
  temporalTlsEnabled: { env: 'FE_TEMPORAL_TLS', schema: bool, default: false, doc: 'Connect to Temporal (API client and worker) over TLS with the system CAs. Implied by any other FE_TEMPORAL_TLS_* key or FE_TEMPORAL_API_KEY.' },
  temporalTlsCaFile: { env: 'FE_TEMPORAL_TLS_CA_FILE', schema: z.string().min(1).optional(), default: undefined, doc: "PEM file of the CA(s) that signed the Temporal frontend's certificate (else the system CAs)." },
  temporalTlsCertFile: { env: 'FE_TEMPORAL_TLS_CERT_FILE', schema: z.string().min(1).optional(), default: undefined, doc: 'PEM client certificate for mTLS to Temporal (with FE_TEMPORAL_TLS_KEY_FILE).' },
  temporalTlsKeyFile: { env: 'FE_TEMPORAL_TLS_KEY_FILE', schema: z.string().min(1).optional(), default: undefined, doc: 'PEM private key of FE_TEMPORAL_TLS_CERT_FILE.' },
  temporalTlsServerName: { env: 'FE_TEMPORAL_TLS_SERVER_NAME', schema: z.string().min(1).optional(), default: undefined, doc: "Name to check the Temporal frontend's certificate against (and send as SNI) when it differs from TEMPORAL_ADDRESS's host." },
  temporalApiKey: { env: 'FE_TEMPORAL_API_KEY', schema: z.string().min(1).optional(), default: undefined, doc: 'API key sent to Temporal (e.g. Temporal Cloud) as a bearer token; implies TLS.' },
  apiHost: { env: 'FE_API_HOST', schema: z.string().min(1), default: '127.0.0.1', doc: 'Interface the API binds to.' },
  apiPort: { env: 'FE_API_PORT', schema: port, default: 8787, doc: 'Port of the API (0 = pick a free one).' },
  publicUrl: { env: 'FE_PUBLIC_URL', schema: z.string().url().optional(), default: undefined, doc: 'External URL of the API (for upload locations behind a proxy); its origin is the web app\'s, the only page origin whose session-cookie upgrades of /v1/events are accepted (else 403 auth.origin_refused). Default: http://<host>:<port> (the address a request was sent to).' },
  tlsCertFile: { env: 'FE_TLS_CERT_FILE', schema: z.string().min(1).optional(), default: undefined, doc: "PEM certificate chain of the API (with FE_TLS_KEY_FILE): the API, the web client and its WebSockets are then served over TLS 1.3 only (https://, wss://) and send HSTS. Unset: plain HTTP (loopback, or behind a TLS-terminating proxy)." },
  tlsKeyFile: { env: 'FE_TLS_KEY_FILE', schema: z.string().min(1).optional(), default: undefined, doc: 'PEM private key of FE_TLS_CERT_FILE.' },
  corsOrigins: { env: 'FE_CORS_ORIGINS', schema: z.string().transform((v) => (v.trim() === 'none' ? [] : v.split(',').map((x) => x.trim()).filter(Boolean))).pipe(z.array(z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/, 'an origin such as https://app.example.org or app://renderer (scheme://host[:port], no path)'))), default: ['app://renderer'] as string[], doc: 'Comma-separated origins whose pages may call the API cross-origin (REST and tus uploads). Default: app://renderer, the packaged desktop app (an origin no web page can have); the web client the API serves itself is same-origin. `none` refuses every cross-origin caller.' },
  llmBaseUrl: { env: 'FE_LLM_BASE_URL', schema: z.string().url().optional(), default: undefined, doc: 'OpenAI-compatible provider the gateway forwards rubric analysis to (…/v1), when no providers file is given. Unset: the embedded local GGUF model.' },
  llmApiKey: { env: 'FE_LLM_API_KEY', schema: z.string(), default: 'local', doc: 'Provider key for FE_LLM_BASE_URL; only the gateway holds it (workers never see provider keys).' },
  llmModel: { env: 'FE_LLM_MODEL', schema: z.string().min(1), default: defaultLlmModelId, doc: 'Chat model the worker asks the gateway for. Embedded: an id of resources/models/llm-manifest.json (qwen2.5-coder-1.5b-instruct, qwen2.5-coder-0.5b-instruct, gemma-3-270m), which `npm run setup` assembles (docs/decisions/009); with FE_LLM_BASE_URL, the upstream model id.' },
  llmModelPath: { env: 'FE_LLM_MODEL_PATH', schema: z.string().optional(), default: undefined, doc: 'GGUF file of the embedded model. Default: <data>/models/<file of FE_LLM_MODEL in the manifest> from `npm run setup`.' },
  llmContextTokens: { env: 'FE_LLM_CONTEXT_TOKENS', schema: z.coerce.number().int().min(2048).max(131072), default: 16384, doc: 'Context window of the embedded model (Qwen2.5 takes 32k; 16k holds a 30-minute numbered transcript plus the answer, and its KV cache is ~0.45 GB smaller than 32k, docs/decisions/009).' },
  llmThreads: { env: 'FE_LLM_THREADS', schema: z.coerce.number().int().min(1).max(256), default: 2, doc: 'CPU threads of the embedded model, never more than the machine has cores (more threads than cores made generation collapse; 2 measured best on 2 cores, docs/decisions/009).' },
  gatewayUrl: { env: 'FE_GATEWAY_URL', schema: z.string().url().optional(), default: undefined, doc: 'Base URL (…/v1) of a separately run AI governance gateway. Unset: the runtime starts its own gateway.' },
  gatewayHost: { env: 'FE_GATEWAY_HOST', schema: z.string().min(1), default: '127.0.0.1', doc: 'Interface the embedded gateway binds to.' },
  gatewayPort: { env: 'FE_GATEWAY_PORT', schema: port, default: 0, doc: 'Port of the embedded gateway (0 = pick a free one).' },
  gatewayTlsCertFile: { env: 'FE_GATEWAY_TLS_CERT_FILE', schema: z.string().min(1).optional(), default: undefined, doc: "PEM certificate chain of the AI gateway (with FE_GATEWAY_TLS_KEY_FILE): it then serves TLS 1.3 only. Workers trust it through the system CAs or NODE_EXTRA_CA_CERTS; the embedded gateway's certificate must name FE_GATEWAY_HOST." },
  gatewayTlsKeyFile: { env: 'FE_GATEWAY_TLS_KEY_FILE', schema: z.string().min(1).optional(), default: undefined, doc: 'PEM private key of FE_GATEWAY_TLS_CERT_FILE.' },
  gatewayProvidersFile: { env: 'FE_GATEWAY_PROVIDERS_FILE', schema: z.string().optional(), default: undefined, doc: 'JSON file of gateway providers and model routes (see resources/gateway/providers.example.json). Unset: one provider for the chat model (FE_LLM_BASE_URL, or the embedded model) and the embedded whisper.cpp for speech.' },
  gatewayRatePerMinute: { env: 'FE_GATEWAY_RATE_PER_MIN', schema: z.coerce.number().int().positive(), default: 600, doc: 'Requests per minute the gateway accepts from one org.' },
  policyDataFile: { env: 'FE_POLICY_DATA_FILE', schema: z.string().optional(), default: undefined, doc: 'Policy data (allowed models per purpose, regions, token limits) for the OPA policies. Default: resources/policies/data.json.' },
  policyBundleDir: { env: 'FE_POLICY_BUNDLE_DIR', schema: z.string().optional(), default: undefined, doc: 'Folder of the compiled OPA policy bundle (policy.wasm, data.json, build.json). Default: <data>/policy, built by `npm run setup`.' },
  gatewayMaxBodyBytes: { env: 'FE_GATEWAY_MAX_BODY_BYTES', schema: z.coerce.number().int().positive(), default: 8 * 1024 * 1024, doc: 'Largest JSON request body the gateway accepts (chat completions), in bytes.' },
  gatewayMaxAudioBytes: { env: 'FE_GATEWAY_MAX_AUDIO_BYTES', schema: z.coerce.number().int().positive(), default: 25 * 1024 * 1024, doc: 'Largest audio upload the gateway accepts (transcriptions), in bytes.' },
  llmRegion: { env: 'FE_LLM_REGION', schema: z.string().min(1), default: 'eu', doc: 'Data region of FE_LLM_BASE_URL for the policy (must be allowed for the org).' },
  coder: { env: 'FE_CODER', schema: z.enum(['llm', 'classifier']), default: 'classifier' as 'llm' | 'classifier', doc: 'Who gives every clinician utterance its behaviour code: `classifier` (default: all-MiniLM-L6-v2 sentence embeddings + a softmax regression trained on our labelled set, in the worker, no model calls; measured κ MI 0.54, general 0.70 on the test split) or `llm` (the chat model through the gateway, in batches sharing the transcript prefix; κ 0 with the embedded 1.5B model). docs/decisions/011, 012.' },
  sttModel: { env: 'FE_STT_MODEL', schema: z.string().min(1), default: 'whisper-tiny.en', doc: 'Speech-to-text model name the worker asks the gateway for. With the embedded gateway, an id of resources/models/manifest.json (whisper-tiny.en, whisper-base) also picks the local model file, which setup makes.' },
  sttModelPath: { env: 'FE_STT_MODEL_PATH', schema: z.string().optional(), default: undefined, doc: 'whisper.cpp ggml model for speech-to-text. Default: <data>/models/ the file of FE_STT_MODEL in resources/models/manifest.json (ggml-tiny.en.bin, ggml-base.bin).' },
  sttThreads: { env: 'FE_STT_THREADS', schema: z.coerce.number().int().min(1).max(64), default: 2, doc: 'CPU threads for whisper.cpp.' },
  maxUploadBytes: { env: 'FE_MAX_UPLOAD_BYTES', schema: z.coerce.number().int().positive(), default: 512 * 1024 * 1024, doc: 'Largest accepted recording, in bytes.' },
  maxDurationSec: { env: 'FE_MAX_DURATION_SEC', schema: z.coerce.number().positive(), default: 3 * 3600, doc: 'Longest accepted recording, in seconds.' },
  keyProvider: { env: 'FE_KEY_PROVIDER', schema: z.enum(['local-file', 'azure-key-vault']), default: 'local-file', doc: 'Where the key-encryption key that wraps the per-org data keys lives: `local-file` (FE_KEK_FILE) or `azure-key-vault` (FE_AZURE_KEY_VAULT_KEY_URL). See docs/decisions/015.' },
  kekFile: { env: 'FE_KEK_FILE', schema: z.string().min(1).optional(), default: undefined, doc: 'Key file of the local key-encryption key (mode 600, refused when group/world-readable or inside FE_DATA_DIR). Default: $XDG_CONFIG_HOME/feedback-evaluation/kek.json (~/.config/…); created on the first embedded start, else by `feedback keys init`.' },
  azureKeyVaultKeyUrl: { env: 'FE_AZURE_KEY_VAULT_KEY_URL', schema: z.string().url().optional(), default: undefined, doc: 'Azure Key Vault key (https://<vault>.vault.azure.net/keys/<name>, an RSA key) that wraps the data keys with RSA-OAEP-256; its current version is used for new wraps.' },
  azureTenantId: { env: 'FE_AZURE_TENANT_ID', schema: z.string().min(1).optional(), default: undefined, doc: 'Entra ID tenant of the service principal that may wrap/unwrap with the Key Vault key.' },
  azureClientId: { env: 'FE_AZURE_CLIENT_ID', schema: z.string().min(1).optional(), default: undefined, doc: 'Client id of that service principal.' },
  azureClientSecret: { env: 'FE_AZURE_CLIENT_SECRET', schema: z.string().min(1).optional(), default: undefined, doc: 'Client secret of that service principal (client-credentials grant).' },
  azureAuthorityHost: { env: 'FE_AZURE_AUTHORITY_HOST', schema: z.string().url(), default: 'https://login.microsoftonline.com', doc: 'Entra ID authority that issues the Key Vault token.' },
  blobMasterKey: { env: 'FE_BLOB_MASTER_KEY', schema: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, '32 bytes, base64').optional(), default: undefined, doc: 'Legacy: the single master key of deployments before per-org data keys (else <data>/keys/blob-master.key if present). Only read, to open blobs written before; `feedback keys seal-legacy` re-encrypts them so it can be removed.' },
  auditHeadDir: { env: 'FE_AUDIT_HEAD_DIR', schema: z.string().min(1).optional(), default: undefined, doc: 'Folder of the signed audit chain heads, one file per org, checkpointed after every audit entry so deleting the newest entries is detected (docs/decisions/016). Keep it off the database server. Default: <data>/audit-heads.' },
  retentionRecordingsDays: { env: 'FE_RETENTION_RECORDINGS_DAYS', schema: z.coerce.number().int().min(0), default: 30, doc: 'Default days a recording\'s audio is kept (an org may set its own, org_retention); then the retention schedule removes the audio blob and keeps the metadata row. 0 keeps forever. Audio is needed only until the evaluation has run.' },
  retentionTranscriptsDays: { env: 'FE_RETENTION_TRANSCRIPTS_DAYS', schema: z.coerce.number().int().min(0), default: 365, doc: 'Default days transcripts and the analyses quoting them are kept (with their artefact blobs). 0 keeps forever.' },
  retentionReportsDays: { env: 'FE_RETENTION_REPORTS_DAYS', schema: z.coerce.number().int().min(0), default: 365, doc: 'Default days PDF reports are kept. 0 keeps forever.' },
  retentionSweepEverySec: { env: 'FE_RETENTION_SWEEP_EVERY_SEC', schema: z.coerce.number().int().min(60), default: 3600, doc: 'Interval of the Temporal schedule `retention-sweep` that applies the retention periods to every org (docs/decisions/016).' },
  uploadExpirySec: { env: 'FE_UPLOAD_EXPIRY_SEC', schema: z.coerce.number().int().positive(), default: 24 * 3600, doc: 'An unfinished resumable upload (tus) is deleted this many seconds after it was created (tus expiration extension; the client sees Upload-Expires). Files of unfinished uploads are mode 600 in a 700 folder.' },
  devToken: { env: 'FE_DEV_TOKEN', schema: z.string().min(8), default: 'dev-clinician-token', doc: 'Bearer token of the embedded dev identity (embedded mode only; the CLI refuses an external DATABASE_URL). Changing it revokes the previous one. With a non-loopback FE_API_HOST it must be your own, at least 24 characters.' },
  devOrg: { env: 'FE_DEV_ORG', schema: z.string().min(1), default: 'Demo Clinic', doc: 'Org name of the dev identity.' },
  devUserEmail: { env: 'FE_DEV_USER_EMAIL', schema: z.string().email(), default: 'clinician@demo.local', doc: 'Email of the dev identity.' },
  devRole: { env: 'FE_DEV_ROLE', schema: z.enum(['clinician', 'supervisor', 'org_admin', 'auditor']), default: 'clinician', doc: 'Role of the dev identity.' },
  startWorker: { env: 'FE_START_WORKER', schema: bool, default: true, doc: 'Run the Temporal worker inside `npm start`.' },
  stunUrls: { env: 'FE_STUN_URLS', schema: z.string().transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean)).pipe(z.array(z.string().regex(/^stuns?:/, 'expected stun: or stuns: URLs'))), default: [] as string[], doc: 'Comma-separated STUN URLs handed to call participants (e.g. stun:stun.example.org:3478). Empty: host candidates only.' },
  turnUrls: { env: 'FE_TURN_URLS', schema: z.string().transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean)).pipe(z.array(z.string().regex(/^turns?:/, 'expected turn: or turns: URLs'))), default: [] as string[], doc: 'Comma-separated TURN URLs (coturn with use-auth-secret). Needs FE_TURN_SECRET.' },
  turnSecret: { env: 'FE_TURN_SECRET', schema: z.string().min(16).optional(), default: undefined, doc: 'Shared secret of the TURN server (coturn static-auth-secret); signs time-limited TURN credentials.' },
  turnTtlSec: { env: 'FE_TURN_TTL_SEC', schema: z.coerce.number().int().positive(), default: 6 * 3600, doc: 'Lifetime of TURN credentials, in seconds (longer than the longest call).' },
  inviteTtlSec: { env: 'FE_INVITE_TTL_SEC', schema: z.coerce.number().int().positive(), default: 24 * 3600, doc: 'How long a guest invite code can be redeemed, in seconds.' },
  guestTokenTtlSec: { env: 'FE_GUEST_TOKEN_TTL_SEC', schema: z.coerce.number().int().positive(), default: 6 * 3600, doc: "How long a guest's token admits them to the call's signaling (joins and reconnects), in seconds." },
  wsMaxConnections: { env: 'FE_WS_MAX_CONNECTIONS', schema: z.coerce.number().int().positive(), default: 1000, doc: 'WebSocket connections (events and signaling together) one API process holds at most; more are refused with 429 connection.too_many.' },
  wsConnectionsPerUser: { env: 'FE_WS_CONNECTIONS_PER_USER', schema: z.coerce.number().int().positive(), default: 8, doc: 'WebSocket connections one user (or guest) may hold on each endpoint (events, signaling) at once.' },
  trustedProxies: { env: 'FE_TRUSTED_PROXIES', schema: z.string().transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(z.string().regex(/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/, 'an IP address, a CIDR, or loopback/linklocal/uniquelocal'))), default: [] as string[], doc: 'Comma-separated addresses or CIDRs (or loopback, linklocal, uniquelocal) of reverse proxies in front of the API whose Forwarded/X-Forwarded-* headers are believed (client address for rate limits, host and scheme of upload URLs). Empty: none; such headers from anyone else are dropped.' },
  authFailureLimit: { env: 'FE_AUTH_FAILURE_LIMIT', schema: z.coerce.number().int().positive(), default: 20, doc: 'Failed sign-ins (unknown, expired or revoked tokens, over HTTP, uploads and both WebSockets) one client address may make per FE_AUTH_FAILURE_WINDOW_SEC; then it is refused with 429 rate.limited (Retry-After) until the window ends. Counted in PostgreSQL, shared by every API process.' },
  authFailureWindowSec: { env: 'FE_AUTH_FAILURE_WINDOW_SEC', schema: z.coerce.number().int().positive(), default: 900, doc: 'Window (and block time) of FE_AUTH_FAILURE_LIMIT, in seconds.' },
  joinFailureLimit: { env: 'FE_JOIN_FAILURE_LIMIT', schema: z.coerce.number().int().positive(), default: 10, doc: 'Wrong invite codes (unknown, used or expired) one client address may send to /v1/join per FE_JOIN_FAILURE_WINDOW_SEC before 429 rate.limited. Counted in PostgreSQL.' },
  joinFailureWindowSec: { env: 'FE_JOIN_FAILURE_WINDOW_SEC', schema: z.coerce.number().int().positive(), default: 900, doc: 'Window (and block time) of FE_JOIN_FAILURE_LIMIT, in seconds.' },
  workerHealthPort: { env: 'FE_WORKER_HEALTH_PORT', schema: port.optional(), default: undefined, doc: 'Port of the worker\'s HTTP listener for /healthz, /readyz and /metrics (0 = pick a free one). Unset: no listener. Only processes that run a worker without the API open it.' },
  workerHealthHost: { env: 'FE_WORKER_HEALTH_HOST', schema: z.string().min(1), default: '127.0.0.1', doc: 'Interface the worker\'s health listener binds to.' },
  opsEndpointsPublic: { env: 'FE_OPS_ENDPOINTS_PUBLIC', schema: bool, default: false, doc: 'Serve /metrics and the per-check detail of /readyz to any client. Off: only to loopback clients (the socket address, never a forwarded header); others get 404 for /metrics and only the status code of /readyz. /healthz is always public.' },
  oidcFlowTtlSec: { env: 'FE_OIDC_FLOW_TTL_SEC', schema: z.coerce.number().int().min(30).max(3600), default: 600, doc: 'How long an OIDC sign-in may take from /v1/auth/oidc/start to the callback (state, nonce and PKCE verifier then expire), in seconds.' },
  oidcSessionTtlSec: { env: 'FE_OIDC_SESSION_TTL_SEC', schema: z.coerce.number().int().min(60), default: 8 * 3600, doc: 'Lifetime of the app token a sign-in issues (OIDC, SAML, a one-time sign-in link), in seconds.' },
  desktopAccessTtlSec: { env: 'FE_DESKTOP_ACCESS_TTL_SEC', schema: z.coerce.number().int().min(60).max(24 * 3600), default: 900, doc: 'Lifetime of the desktop app\'s access token, in seconds (at most a day); the app then spends its refresh token at /v1/auth/refresh for a new one.' },
  desktopRefreshIdleSec: { env: 'FE_DESKTOP_REFRESH_IDLE_SEC', schema: z.coerce.number().int().min(300), default: 14 * 24 * 3600, doc: 'A desktop refresh token not used for this long stops working (idle lifetime), in seconds; each refresh issues a new one.' },
  desktopRefreshAbsoluteSec: { env: 'FE_DESKTOP_REFRESH_ABSOLUTE_SEC', schema: z.coerce.number().int().min(300), default: 30 * 24 * 3600, doc: 'A desktop sign-in ends this long after it began however often it was refreshed (absolute lifetime), in seconds: then sign in again.' },
  csrfSecret: { env: 'FE_CSRF_SECRET', schema: z.string().min(32).optional(), default: undefined, doc: 'Secret (at least 32 characters) of the HMAC that binds a browser session\'s CSRF token to its session cookie (docs/decisions/025). Unset: a random one per API process, so a restart or a second API process behind the same address makes browsers fetch a new CSRF token (GET /v1/auth/web-session); set the same value on every API process.' },
  signInLinkTtlSec: { env: 'FE_SIGN_IN_LINK_TTL_SEC', schema: z.coerce.number().int().min(60).max(7 * 24 * 3600), default: 24 * 3600, doc: 'How long a one-time sign-in link (`feedback admin create-org` prints one for the first org_admin) can be redeemed, in seconds (at most 7 days). It signs in once.' },
  oidcAllowHttpIssuer: { env: 'FE_OIDC_ALLOW_HTTP_ISSUER', schema: bool, default: false, doc: 'Accept an http:// OIDC issuer (a local test identity provider). Never in production: the ID token then travels unencrypted.' },
  samlSpKeyFile: { env: 'FE_SAML_SP_KEY_FILE', schema: z.string().min(1).optional(), default: undefined, doc: 'PEM private key (RSA) of the SAML service provider (with FE_SAML_SP_CERT_FILE): signs the AuthnRequests. Unset: SAML sign-in (/v1/auth/saml/<org>/…) is off. docs/decisions/022.' },
  samlSpCertFile: { env: 'FE_SAML_SP_CERT_FILE', schema: z.string().min(1).optional(), default: undefined, doc: 'PEM certificate of FE_SAML_SP_KEY_FILE, published in each org\'s SP metadata (/v1/auth/saml/<org>/metadata) for the IdP to check the AuthnRequest signatures.' },
  samlRequestTtlSec: { env: 'FE_SAML_REQUEST_TTL_SEC', schema: z.coerce.number().int().min(30).max(3600), default: 600, doc: 'How long a SAML AuthnRequest may wait for its response (its id is then forgotten and a late response is auth.saml_request_unknown), in seconds.' },
  samlClockSkewSec: { env: 'FE_SAML_CLOCK_SKEW_SEC', schema: z.coerce.number().int().min(0).max(600), default: 60, doc: 'Clock skew tolerated on a SAML assertion\'s NotBefore / NotOnOrAfter, in seconds.' },
  updatesManifestFile: { env: 'FE_UPDATES_MANIFEST_FILE', schema: z.string().min(1).optional(), default: undefined, doc: 'Release manifest of the desktop update feed (/v1/updates/<channel>/<org>/<install>/latest.yml; written by `tsx scripts/release.ts`, edited to stage a rollout or halt it; read at every request). Unset: no update feed. docs/it-guide.md, docs/decisions/024.' },
  updatesArtefactsDir: { env: 'FE_UPDATES_ARTEFACTS_DIR', schema: z.string().min(1).optional(), default: undefined, doc: 'Folder holding the installers and update archives the release manifest names (served with range requests).' },
  updatesArtefactsUrl: { env: 'FE_UPDATES_ARTEFACTS_URL', schema: z.string().url().optional(), default: undefined, doc: 'Instead of FE_UPDATES_ARTEFACTS_DIR: base URL of a blob container or CDN the artefact requests are redirected to (302); electron-updater still checks each file\'s sha512 from the feed.' },
  otelExporterUrl: { env: 'FE_OTEL_EXPORTER_URL', schema: z.string().url().optional(), default: undefined, doc: 'OTLP/HTTP traces endpoint of an OpenTelemetry collector (e.g. http://collector:4318/v1/traces): the API, the worker (workflow and activity spans) and the gateway (its calls to providers) export spans there, and log lines carry traceId/spanId. W3C traceparent is propagated over HTTP and through Temporal. Unset: no tracing (nothing loaded, no spans).' },
  otelServiceName: { env: 'FE_OTEL_SERVICE_NAME', schema: z.string().min(1).optional(), default: undefined, doc: 'service.name of the exported spans. Unset: feedback-api, feedback-worker or feedback-gateway after what the process runs.' },
  logLevel: { env: 'LOG_LEVEL', schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']), default: 'info', doc: 'Log level.' },
} as const;

/** Environment variables holding provider keys (a providers file's apiKeyEnv), e.g. FE_OPENAI_API_KEY. */
const PROVIDER_KEY = /^FE_[A-Z0-9_]+_API_KEY$/;

type Keys = typeof configKeys;
export type Config = { readonly [K in keyof Keys]: Keys[K]['default'] extends undefined ? z.infer<Keys[K]['schema']> | undefined : Exclude<z.infer<Keys[K]['schema']>, undefined> } & {
  readonly derived: { readonly policyBundleDir: string; readonly providerKeys: Readonly<Record<string, string>>; readonly pathEnv: string; readonly modelsDir: string; readonly blobsDir: string; readonly uploadsDir: string; readonly kekFile: string; readonly legacyMasterKeyFile: string; readonly auditHeadDir: string; readonly temporalDbFile: string; readonly embedded: { readonly postgres: boolean; readonly temporal: boolean; readonly llm: boolean } };
};

/** Parse the environment once. Unknown FE_* keys and invalid values fail with the key's name. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = new Set(Object.values(configKeys).map((k) => k.env));
  const unknown = Object.keys(env).filter((k) => k.startsWith("FE_") && !(known as Set<string>).has(k) && !k.startsWith('FE_TEST_') && !PROVIDER_KEY.test(k));
  if (unknown.length) throw new AppError('config.invalid', `Unknown configuration key(s): ${unknown.join(', ')}. Known keys: ${[...known].join(', ')}`);
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(configKeys)) {
    const raw = env[key.env];
    if (raw === undefined || raw === '') {
      out[name] = key.default;
      continue;
    }
    const parsed = (key.schema as z.ZodType).safeParse(raw);
    if (!parsed.success) throw new AppError('config.invalid', `Invalid ${key.env}=${JSON.stringify(raw)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    out[name] = parsed.data;
  }
  const dataDir = path.resolve(out.dataDir as string);
  out.dataDir = dataDir;
  out.derived = Object.freeze({
    modelsDir: path.join(dataDir, 'models'),
    blobsDir: path.join(dataDir, 'blobs'),
    uploadsDir: path.join(dataDir, 'uploads'),
    // Outside the data folder by default: a copy of the data folder must not carry its key.
    kekFile: path.resolve((out.kekFile as string | undefined) ?? path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'feedback-evaluation', 'kek.json')),
    legacyMasterKeyFile: path.join(dataDir, 'keys', 'blob-master.key'),
    auditHeadDir: path.resolve((out.auditHeadDir as string | undefined) ?? path.join(dataDir, 'audit-heads')),
    temporalDbFile: path.join(dataDir, 'temporal.db'),
    embedded: Object.freeze({ postgres: !out.databaseUrl, temporal: !out.temporalAddress, llm: !out.llmBaseUrl }),
    policyBundleDir: path.resolve((out.policyBundleDir as string | undefined) ?? path.join(dataDir, 'policy')),
    // Provider keys named by a providers file's apiKeyEnv: read here, once, and only the gateway gets them.
    providerKeys: Object.freeze(Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => PROVIDER_KEY.test(e[0]) && !!e[1]))),
    pathEnv: env.PATH ?? '',
  });
  const kekFile = (out.derived as { kekFile: string }).kekFile;
  if (out.keyProvider === 'local-file' && (kekFile === dataDir || kekFile.startsWith(dataDir + path.sep))) {
    throw new AppError('config.invalid', `FE_KEK_FILE=${kekFile} is inside FE_DATA_DIR=${dataDir}: keep the key-encryption key out of the data folder (and its backups)`);
  }
  for (const [cert, key] of [['tlsCertFile', 'tlsKeyFile'], ['gatewayTlsCertFile', 'gatewayTlsKeyFile'], ['temporalTlsCertFile', 'temporalTlsKeyFile'], ['samlSpCertFile', 'samlSpKeyFile']] as const) {
    if (!out[cert] !== !out[key]) throw new AppError('config.invalid', `${configKeys[cert].env} and ${configKeys[key].env} go together: set both or neither`);
  }
  if (out.keyProvider === 'azure-key-vault') {
    const missing = (['azureKeyVaultKeyUrl', 'azureTenantId', 'azureClientId', 'azureClientSecret'] as const).filter((k) => !out[k]).map((k) => configKeys[k].env);
    if (missing.length) throw new AppError('config.invalid', `FE_KEY_PROVIDER=azure-key-vault needs ${missing.join(', ')}`);
  }
  return Object.freeze(out) as Config;
}

/** Markdown table for the README. */
export function configDocs(): string {
  const rows = Object.values(configKeys).map((k) => `| \`${k.env}\` | ${k.default === undefined ? '—' : `\`${String(k.default).replace(defaultDataDir, '<repo>/.data')}\``} | ${k.doc} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

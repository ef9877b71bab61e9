// The AI governance gateway on its own (scaling out, or a separate trust zone): no API, no worker.
// `npm start` runs its own gateway inside the runtime; this entry is for FE_GATEWAY_URL deployments.
import { readFileSync } from 'node:fs';
import { createDatabase } from './db/database';
import { migrate } from './db/migrate';
import { createBudgetLedger } from './gateway/budget-ledger';
import { createIdempotencyStore } from './gateway/idempotency-store';
import { loadPolicyEngine } from './gateway/policy/opa-policy';
import { policyBundleDir } from './gateway/policy/policy-build';
import { loadPriceTable } from './gateway/price-table';
import { parseProvidersConfig } from './gateway/providers/provider-config';
import { createProvider } from './gateway/providers/provider-factory';
import { createProviderRouter } from './gateway/providers/provider-router';
import { createGatewayServer } from './gateway/service/gateway-server';
import { loadConfigOrExit } from './runtime/config-or-exit';
import { createLogger } from './runtime/log';
import { onShutdownSignal } from './runtime/shutdown';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const log = logger.child('gateway');
const fail = (msg: string): never => {
  logger.error('gateway')(msg);
  process.exit(1);
};

// Alone, the gateway has no embedded PostgreSQL or local model to fall back on.
if (!config.databaseUrl) fail('gateway-main needs DATABASE_URL (the embedded runtime starts its own gateway: npm start)');
if (!config.gatewayProvidersFile) fail('gateway-main needs FE_GATEWAY_PROVIDERS_FILE (which providers serve which models)');

const providers = parseProvidersConfig(JSON.parse(readFileSync(config.gatewayProvidersFile!, 'utf8')), config.gatewayProvidersFile);
await migrate(config.databaseUrl!);
const db = createDatabase(config.databaseUrl!, { max: 20, applicationName: 'feedback-evaluation-gateway', onError: (e) => log('database connection error', { err: e.message }) });
const router = createProviderRouter({
  config: providers,
  // TODO(lead): resolve apiKeyEnv through config.ts; an entry file is the one place allowed to read the environment meanwhile.
  providers: (cfg) => createProvider(cfg, { apiKey: cfg.apiKeyEnv ? process.env[cfg.apiKeyEnv] : undefined }),
  log: { info: (o, m) => log(m, o as Record<string, unknown>), warn: (o, m) => log(m, o as Record<string, unknown>) },
});
const gateway = createGatewayServer({
  db,
  policy: await loadPolicyEngine({ bundleDir: policyBundleDir(config.dataDir), ...(config.policyDataFile ? { dataPath: config.policyDataFile } : {}) }),
  router,
  prices: loadPriceTable(),
  ledger: createBudgetLedger(db),
  idempotency: createIdempotencyStore(db),
  // TODO(lead): FE_GATEWAY_MAX_BODY_BYTES and FE_GATEWAY_MAX_AUDIO_BYTES config keys; these are the defaults proposed.
  limits: { requestsPerMinutePerOrg: config.gatewayRatePerMinute, maxBodyBytes: 8 * 1024 * 1024, maxAudioBytes: 25 * 1024 * 1024 },
  log,
});
const baseURL = await gateway.listen(config.gatewayPort, config.gatewayHost);
log('gateway ready', { baseURL });
onShutdownSignal(async () => {
  await gateway.close();
  await router.close();
  await db.close();
});

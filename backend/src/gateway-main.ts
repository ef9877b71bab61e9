// The AI governance gateway on its own (scaling out, or a separate trust zone): no API, no worker.
// `npm start` runs its own gateway inside the runtime; this entry is for FE_GATEWAY_URL deployments.
import { createDataKeys } from './crypto/data-keys';
import { openKeyProvider } from './crypto/key-setup';
import { createDatabase } from './db/database';
import { migrate } from './db/migrate';
import { startGateway } from './gateway/embedded-gateway';
import { loadConfigOrExit } from './runtime/config-or-exit';
import { createLogger } from './runtime/log';
import { onShutdownSignal } from './runtime/shutdown';
import { warnIfPrivilegedLogin } from './runtime/database-logins';
import { createMetrics } from './ops/metrics';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const log = logger.child('gateway');
if (!config.databaseUrl) {
  logger.child('gateway').error('gateway-main needs DATABASE_URL (the embedded runtime starts its own gateway: npm start)');
  process.exit(1);
}
await migrate(config.databaseMigrateUrl ?? config.databaseUrl);
await warnIfPrivilegedLogin(config.databaseUrl, log);
// Redaction reads the session's participant names, which are sealed with the org's data key.
const keys = createDataKeys({ provider: await openKeyProvider(config, (m) => log(m)) });
const db = createDatabase(config.databaseUrl, { max: 20, applicationName: 'feedback-evaluation-gateway', keys, onError: (e) => log.error('database connection error', { err: e.message }) });
const gateway = await startGateway(config, db, (c) => logger.child(c), { metrics: createMetrics('gateway') }).catch((e: Error) => {
  logger.child('gateway').error(`could not start: ${e.message}`);
  process.exit(1);
});
log('gateway ready', { baseURL: gateway.baseURL, policy: gateway.policyVersion });
onShutdownSignal(async () => {
  await gateway.stop();
  await db.close();
});

// `npm start`: the whole backend on the embedded default (or on configured services). Wiring only.
import { loadConfigOrExit } from './runtime/config-or-exit';
import { createLogger } from './runtime/log';
import { startRuntime } from './runtime/runtime';
import { onShutdownSignal } from './runtime/shutdown';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const webRoot = path.join(repoRoot, 'dist', 'web');
const runtime = await startRuntime(config, { api: true, worker: config.startWorker, log: (c) => logger.child(c), webRoot: existsSync(path.join(webRoot, 'index.html')) ? webRoot : undefined }).catch((e: Error) => {
  logger.child('start').error(`could not start: ${e.message}`);
  process.exit(1);
});
if (runtime.apiUrl) logger.child('start')(`web client: ${runtime.apiUrl}/ (sign in with the dev token)`);
if (runtime.devIdentity) logger.child('start')(`dev identity: ${runtime.devIdentity.email} (${runtime.devIdentity.roles.join(', ')}), bearer token from FE_DEV_TOKEN`);
onShutdownSignal(async (signal) => {
  logger.child('start')(`${signal}: shutting down…`);
  await runtime.stop();
});

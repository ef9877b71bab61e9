// A worker process on its own (scaling out, or the durability test): the runtime without the API.
import { loadConfigOrExit } from './runtime/config-or-exit';
import { createLogger } from './runtime/log';
import { startRuntime } from './runtime/runtime';
import { onShutdownSignal } from './runtime/shutdown';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
const runtime = await startRuntime(config, { api: false, worker: true, log: (c) => logger.child(c) }).catch((e: Error) => {
  logger.child('worker').error(`could not start: ${e.message}`);
  process.exit(1);
});
logger.child('worker')('worker ready');
onShutdownSignal(() => runtime.stop());

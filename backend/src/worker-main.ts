// A worker process on its own (scaling out, or the durability test): the runtime without the API.
import { loadConfig } from './config';
import { createLogger } from './runtime/log';
import { startRuntime } from './runtime/runtime';
import { onShutdownSignal } from './runtime/shutdown';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (e) {
  console.error(`Configuration error: ${(e as Error).message}`);
  process.exit(1);
}
const logger = createLogger(config.logLevel);
const runtime = await startRuntime(config, { api: false, worker: true, log: (c) => logger.child(c) }).catch((e: Error) => {
  logger.error('worker')(`could not start: ${e.message}`);
  process.exit(1);
});
logger.child('worker')('worker ready');
onShutdownSignal(() => runtime.stop());

import { loadConfig, type Config } from '../config';

/** For entry files: a bad configuration is a one-line message and exit code 1, not a stack trace. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    console.error(`Configuration error: ${(e as Error).message}`);
    process.exit(1);
  }
}

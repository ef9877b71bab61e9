import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { Log } from '../runtime/log';

/**
 * The Temporal SDK's logger as pino lines of the process's Log, at their own levels (the SDK's default
 * writes plain text to stderr, outside the JSON stream and its level filter). WARN and up only: the
 * SDK logs every state change at INFO.
 */
export function sdkLogger(log: Log): DefaultLogger {
  const at = { TRACE: log.debug, DEBUG: log.debug, INFO: log.info, WARN: log.warn, ERROR: log.error } as const;
  return new DefaultLogger('WARN', (entry: LogEntry) => at[entry.level](entry.message, entry.meta ? { ...entry.meta } : undefined));
}

import pino from 'pino';
import { traceIdsForLog } from '../ops/tracing';

export type LogFn = (msg: string, data?: Record<string, unknown>) => void;

/**
 * A component's logger: calling it logs at info (most call sites report progress); `.warn`,
 * `.error` and `.debug` log at their own pino level, so a level filter and an alert on level 50
 * see them. `pino` is the underlying child, for pino-http and the like.
 */
export interface Log extends LogFn {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  pino: pino.Logger;
}

/** A Log over a pino logger. */
export function logOf(l: pino.Logger): Log {
  const at = (level: 'debug' | 'info' | 'warn' | 'error'): LogFn => (msg, data) => (data ? l[level](data, msg) : l[level](msg));
  return Object.assign(at('info'), { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), pino: l });
}

/** A Log that hands each line to `write` (tests, benchmarks). */
export function logTo(write: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void): Log {
  const at = (level: 'debug' | 'info' | 'warn' | 'error'): LogFn => (msg, data) => write(level, msg, data);
  return Object.assign(at('info'), { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), pino: pino({ level: 'silent' }) });
}

export const silentLog = (): Log => logTo(() => undefined);

/**
 * pino writes its numeric `level` and then every data key, so a data field named `level` (an upstream's
 * own level, say) would write the key twice and a reader keeps the last one: such a field is kept as `dataLevel`.
 */
function oneLevelKey(data: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(data, 'level')) return data;
  const { level, ...rest } = data;
  return { ...rest, dataLevel: level };
}

/** One structured logger for the process; components get a Log bound to their name. */
export function createLogger(level: string, destination?: pino.DestinationStream) {
  // traceId/spanId of the active span on every line while tracing is on (FE_OTEL_EXPORTER_URL).
  const root = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { log: oneLevelKey }, mixin: traceIdsForLog }, destination);
  return {
    root,
    child(component: string): Log {
      return logOf(root.child({ component }));
    },
  };
}

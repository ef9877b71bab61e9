import pino from 'pino';

export type Log = (msg: string, data?: Record<string, unknown>) => void;

/** One structured logger for the process; components get a `(msg, data)` function bound to a name. */
export function createLogger(level: string) {
  const root = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
  return {
    root,
    child(component: string): Log {
      const l = root.child({ component });
      return (msg, data) => (data ? l.info(data, msg) : l.info(msg));
    },
    error(component: string): Log {
      const l = root.child({ component });
      return (msg, data) => (data ? l.error(data, msg) : l.error(msg));
    },
  };
}

/**
 * Concurrent misses of one cache key share one load instead of each going to the database: when a
 * cached entry expires under load, hundreds of calls would otherwise reload it at once and queue
 * for pool connections. Nothing is kept once the load settles (a failure is not remembered), so
 * the caches' own expiry rules are unchanged; a joiner sees a load at most one round trip old.
 */
export function createSingleFlight<V>() {
  const inFlight = new Map<string, Promise<V>>();
  return {
    run(key: string, load: () => Promise<V>): Promise<V> {
      const running = inFlight.get(key);
      if (running) return running;
      const p = load().finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      return p;
    },
    /** Loads in flight now (for tests). */
    get size() {
      return inFlight.size;
    },
  };
}

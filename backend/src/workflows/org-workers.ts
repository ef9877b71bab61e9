import type { Log } from '../runtime/log';

interface RunningWorker {
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Per-org namespaces (docs/decisions/036): one worker per org namespace, for every org the
 * database knows, looked up again every `everyMs` so an org created later gets its worker without
 * a restart. `ensure` registers the org's namespace first (a worker may start before the org's
 * first evaluation does).
 */
export async function startOrgWorkers(opts: { listOrgIds: () => Promise<string[]>; ensure: (orgId: string) => Promise<string>; create: (namespace: string) => Promise<RunningWorker>; everyMs: number; log: Log }) {
  const running = new Map<string, { worker: RunningWorker; done: Promise<void> }>();
  let stopped = false;
  let refreshing: Promise<void> = Promise.resolve();

  async function refresh() {
    for (const orgId of await opts.listOrgIds()) {
      if (stopped || running.has(orgId)) continue;
      const namespace = await opts.ensure(orgId);
      const worker = await opts.create(namespace);
      const done = worker.run().catch((e: Error) => opts.log.error('org worker stopped', { orgId, namespace, err: e.message }));
      running.set(orgId, { worker, done });
      opts.log('worker polling org namespace', { orgId, namespace });
    }
  }
  const tick = () => {
    refreshing = refreshing.then(refresh).catch((e: Error) => opts.log.warn('org namespaces refresh failed', { err: e.message }));
  };
  tick();
  await refreshing;
  const timer = setInterval(tick, opts.everyMs);
  timer.unref();

  return {
    /** Orgs with a worker polling their namespace. */
    orgIds: () => [...running.keys()],
    /** Runs a refresh now (tests; an org created a moment ago). */
    refresh: async () => {
      tick();
      await refreshing;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await refreshing;
      for (const { worker, done } of running.values()) {
        await worker.shutdown();
        await done;
      }
      running.clear();
    },
  };
}

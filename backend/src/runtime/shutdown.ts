/**
 * Run `fn` once on SIGINT/SIGTERM, then exit; a second signal exits at once, and so does a
 * shutdown still running after `deadlineMs` (exit 1, saying so), so a stuck part can never keep
 * the process alive after it was told to stop.
 */
export function onShutdownSignal(fn: (signal: string) => Promise<void>, opts: { deadlineMs?: number } = {}): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    setTimeout(() => {
      console.error(`shutdown did not finish within ${(opts.deadlineMs ?? 30_000) / 1000} s: exiting anyway`);
      process.exit(1);
    }, opts.deadlineMs ?? 30_000).unref();
    fn(signal).then(
      () => process.exit(0),
      (e: Error) => {
        console.error(`shutdown failed: ${e.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Run `fn` once on SIGINT/SIGTERM, then exit; a second signal exits at once. */
export function onShutdownSignal(fn: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
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

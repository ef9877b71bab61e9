import type { ChildProcess } from 'node:child_process';

/** A long-running child (a server we started) whose life ends with ours. */
export interface ChildLifetime {
  /** Whether the child has exited (on its own, or stopped). */
  readonly exited: boolean;
  /** Stops it: SIGTERM, then SIGKILL if it is still there after the grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Ties a child to this process: SIGKILLed when this process exits, and stoppable gracefully before that. */
export function childLifetime(child: ChildProcess, graceMs: number): ChildLifetime {
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return {
    get exited() {
      return exited;
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await done;
      clearTimeout(t);
    },
  };
}

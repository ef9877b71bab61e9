/** Time spent in each stage of one gateway call, in ms, in the order the stages ran. */
export type CallStageTimes = Array<[stage: string, ms: number]>;

export interface CallStages {
  /** Closes the stage that began at the previous mark (or at the call's start) under `name`. */
  mark(name: string): void;
  /** Reports the stages to the sink; later marks are ignored. */
  done(): void;
}

const off: CallStages = { mark: () => undefined, done: () => undefined };

/**
 * Per-stage timing for profiling the hot path. Without a sink nothing is recorded, so a
 * production call pays one no-op function call per stage.
 */
export function createCallStages(started: number, sink: ((path: string, stages: CallStageTimes) => void) | undefined, path: string): CallStages {
  if (!sink) return off;
  const stages: CallStageTimes = [];
  let last = started;
  let finished = false;
  return {
    mark(name) {
      if (finished) return;
      const now = performance.now();
      stages.push([name, now - last]);
      last = now;
    },
    done() {
      if (finished) return;
      finished = true;
      sink(path, stages);
    },
  };
}

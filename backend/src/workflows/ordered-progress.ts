/**
 * Progress from a synchronous callback (the coder's, the speech engine's) without awaiting each
 * write: writes go out one at a time and in order, a value overtaken while a write was in flight is
 * skipped, and a value below one already written is dropped, so a user never sees the bar go back
 * (fire-and-forget writes used to land out of order: "66 % coding" then "64 % coding").
 * `settle()` waits for the last write, so a step's late write cannot land after the next step's.
 */
export interface OrderedProgress {
  report(fraction: number): void;
  settle(): Promise<void>;
}

export function orderedProgress(write: (fraction: number) => Promise<void>): OrderedProgress {
  let pending: number | null = null;
  let written = -Infinity;
  let chain: Promise<void> = Promise.resolve();
  const writeLatest = async (): Promise<void> => {
    if (pending === null) return; // an earlier link already wrote the newest value
    const f = pending;
    pending = null;
    if (f < written) return;
    written = f;
    // A failed progress write must not fail the work it reports on.
    await write(f).catch(() => undefined);
  };
  return {
    report(fraction) {
      pending = fraction;
      chain = chain.then(writeLatest);
    },
    settle: () => chain,
  };
}

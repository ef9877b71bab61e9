import { stepSeconds } from '../../app/evaluation/step-rates';
import { EVALUATION_STEPS } from './evaluation-steps';

/** Each visible step's expected seconds for a recording of `audioSec` at the declared rates. */
export const plannedRowSeconds = (audioSec: number): number[] => EVALUATION_STEPS.map((row) => row.ids.reduce((sum, id) => sum + stepSeconds(id, audioSec), 0));

export interface EstimateInput {
  audioSec: number;
  /** The visible step (EVALUATION_STEPS index) running now; -1 while queued. */
  row: number;
  elapsedSec: number;
  /** Seconds into the evaluation when this page saw the current step begin; null when it was already running as the page opened. */
  rowStartedAtSec: number | null;
}

/** Less than this much expected work done tells nothing about the machine's speed yet. */
const MIN_SECONDS_TO_JUDGE_SPEED = 5;

/**
 * Seconds left: what the declared rates expect for the rest of the current step and the steps after
 * it, scaled by how fast this machine was on the steps already done (elapsed at the current step's
 * start over the rates' time for them), so a fast model does not read "3 minutes left" for seconds.
 */
export function remainingSeconds(e: EstimateInput): number {
  const plan = plannedRowSeconds(e.audioSec);
  const at = Math.max(0, e.row);
  const before = plan.slice(0, at).reduce((a, b) => a + b, 0);
  const after = plan.slice(at + 1).reduce((a, b) => a + b, 0);
  const judged = e.rowStartedAtSec !== null && before >= MIN_SECONDS_TO_JUDGE_SPEED;
  const speed = judged ? Math.min(20, Math.max(0.05, e.rowStartedAtSec! / before)) : 1;
  const current = plan[at]! * speed;
  const inStep = e.rowStartedAtSec !== null ? e.elapsedSec - e.rowStartedAtSec : Math.max(0, e.elapsedSec - before * speed);
  // A step running past its estimate still has some time left: never "0 s" while it runs.
  return Math.max(current - inStep, current * 0.1) + after * speed;
}

/** "About 3 min left", "About 40 s left", "Almost done". */
export function remainingText(sec: number): string {
  if (sec < 10) return 'Almost done';
  if (sec < 60) return `About ${Math.ceil(sec / 10) * 10} s left`;
  return `About ${Math.round(sec / 60)} min left`;
}

/** The evaluation workflow's steps in order, as a clinician reads them (ids from backend/src/workflows/workflows.ts). */
export const EVALUATION_STEPS = [
  { id: 'decoding', label: 'Reading the recording' },
  { id: 'transcribing', label: 'Transcribing both speakers' },
  { id: 'metrics', label: 'Measuring talk time and questions' },
  { id: 'coding', label: 'Coding behaviours' },
  { id: 'analyzing', label: 'Scoring the rubric' },
  { id: 'verifying', label: 'Checking the evidence' },
  { id: 'rendering', label: 'Writing the report' },
] as const;

export type StepState = 'done' | 'current' | 'pending' | 'failed';
export interface StepRow {
  id: string;
  label: string;
  state: StepState;
}

/**
 * Each step's state from the evaluation's status and current step. A failed evaluation reports the
 * step it failed in as `step`; an unknown step (queued) leaves every step pending.
 */
export function stepRows(status: 'queued' | 'running' | 'completed' | 'failed', step: string): StepRow[] {
  const at = EVALUATION_STEPS.findIndex((s) => s.id === step);
  return EVALUATION_STEPS.map((s, i) => {
    let state: StepState = 'pending';
    if (status === 'completed') state = 'done';
    else if (at >= 0 && i < at) state = 'done';
    else if (i === at) state = status === 'failed' ? 'failed' : 'current';
    return { id: s.id, label: s.label, state };
  });
}

export const stepLabel = (step: string) => EVALUATION_STEPS.find((s) => s.id === step)?.label ?? (step === 'queued' ? 'Waiting to start' : 'Working');

/** "1 min 05 s", "42 s". */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

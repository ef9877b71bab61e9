import { EVALUATION_STEP_IDS, type EvaluationStep } from '../../app/contracts/evaluation-steps';

type WorkStep = (typeof EVALUATION_STEP_IDS)[number];

/** The steps a clinician sees, in order. */
export const STEP_NAMES = ['Preparing the recording', 'Transcribing', 'Coding behaviours', 'Scoring the rubric', 'Writing the summary', 'Checking evidence', 'Making the report'] as const;
type StepName = (typeof STEP_NAMES)[number];

/**
 * Which row each workflow step id (app/contracts/evaluation-steps.ts) belongs to; a new id fails the
 * typecheck here until it is named. Measuring talk time is part of making the transcript.
 */
const NAME_OF: Record<WorkStep, StepName> = {
  decoding: 'Preparing the recording',
  transcribing: 'Transcribing',
  metrics: 'Transcribing',
  coding: 'Coding behaviours',
  analyzing: 'Scoring the rubric',
  summarizing: 'Writing the summary',
  verifying: 'Checking evidence',
  rendering: 'Making the report',
};
export const EVALUATION_STEPS = STEP_NAMES.map((label) => ({ label, ids: EVALUATION_STEP_IDS.filter((id) => NAME_OF[id] === label) }));

export type StepState = 'done' | 'current' | 'pending' | 'failed';
export interface StepRow {
  /** The row's first workflow step id, stable for keys and tests. */
  id: WorkStep;
  label: string;
  state: StepState;
}

const rowOf = (step: string) => STEP_NAMES.indexOf(NAME_OF[step as WorkStep]);

/**
 * Each step's state from the evaluation's status and current step. A failed evaluation reports the
 * step it failed in as `step`; an unknown step (queued) leaves every step pending.
 */
export function stepRows(status: 'queued' | 'running' | 'completed' | 'failed', step: EvaluationStep | string): StepRow[] {
  const at = rowOf(step);
  return EVALUATION_STEPS.map((s, i) => {
    let state: StepState = 'pending';
    if (status === 'completed') state = 'done';
    else if (at >= 0 && i < at) state = 'done';
    else if (i === at) state = status === 'failed' ? 'failed' : 'current';
    return { id: s.ids[0]!, label: s.label, state };
  });
}

export const stepLabel = (step: EvaluationStep | string) => EVALUATION_STEPS[rowOf(step)]?.label ?? (step === 'queued' ? 'Waiting to start' : step === 'completed' ? 'Done' : 'Working');

/** "1 min 05 s", "42 s". */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

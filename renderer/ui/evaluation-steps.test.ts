import { describe, expect, it } from 'vitest';
import { EVALUATION_STEP_IDS } from '../../app/contracts/evaluation-steps';
import { elapsedText, EVALUATION_STEPS, stepLabel, stepRows } from './evaluation-steps';

describe('evaluation steps', () => {
  it('lists the steps in plain words, in the order the workflow runs them', () => {
    expect(EVALUATION_STEPS.map((s) => s.label)).toEqual(['Preparing the recording', 'Transcribing', 'Coding behaviours', 'Scoring the rubric', 'Writing the summary', 'Checking evidence', 'Making the report']);
    // Every workflow step id belongs to exactly one row, and the rows keep the workflow's order.
    expect(EVALUATION_STEPS.flatMap((s) => s.ids)).toEqual([...EVALUATION_STEP_IDS]);
  });
  it('marks the steps before the current one done and the later ones pending', () => {
    const rows = stepRows('running', 'coding');
    expect(rows.map((r) => r.state)).toEqual(['done', 'done', 'current', 'pending', 'pending', 'pending', 'pending']);
    // Measuring talk time is still the transcribing row.
    expect(stepRows('running', 'metrics').map((r) => r.state)).toEqual(['done', 'current', 'pending', 'pending', 'pending', 'pending', 'pending']);
    expect(stepRows('running', 'summarizing').find((r) => r.state === 'current')?.label).toBe('Writing the summary');
  });
  it('marks the step a failed evaluation stopped in as failed', () => {
    const rows = stepRows('failed', 'transcribing');
    expect(rows.find((r) => r.state === 'failed')?.label).toBe('Transcribing');
    expect(rows.filter((r) => r.state === 'done').map((r) => r.label)).toEqual(['Preparing the recording']);
  });
  it('marks every step done once completed and none while queued', () => {
    expect(stepRows('completed', 'completed').every((r) => r.state === 'done')).toBe(true);
    expect(stepRows('queued', 'queued').every((r) => r.state === 'pending')).toBe(true);
  });
  it('names steps in words, never by id, and formats elapsed time', () => {
    expect(stepLabel('analyzing')).toBe('Scoring the rubric');
    expect(stepLabel('verifying')).toBe('Checking evidence');
    expect(stepLabel('queued')).toBe('Waiting to start');
    expect(stepLabel('no_such_step')).toBe('Working');
    expect(elapsedText(42_400)).toBe('42 s');
    expect(elapsedText(65_000)).toBe('1 min 05 s');
  });
});

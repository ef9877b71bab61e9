import { describe, expect, it } from 'vitest';
import { elapsedText, stepLabel, stepRows } from './evaluation-steps';

describe('evaluation steps', () => {
  it('marks the steps before the current one done and the later ones pending', () => {
    const rows = stepRows('running', 'coding');
    expect(rows.map((r) => r.state)).toEqual(['done', 'done', 'done', 'current', 'pending', 'pending', 'pending']);
  });
  it('marks the step a failed evaluation stopped in as failed', () => {
    const rows = stepRows('failed', 'transcribing');
    expect(rows.find((r) => r.state === 'failed')?.id).toBe('transcribing');
    expect(rows.filter((r) => r.state === 'done').map((r) => r.id)).toEqual(['decoding']);
  });
  it('marks every step done once completed and none while queued', () => {
    expect(stepRows('completed', 'completed').every((r) => r.state === 'done')).toBe(true);
    expect(stepRows('queued', 'queued').every((r) => r.state === 'pending')).toBe(true);
  });
  it('names steps in words and formats elapsed time', () => {
    expect(stepLabel('analyzing')).toBe('Scoring the rubric');
    expect(stepLabel('queued')).toBe('Waiting to start');
    expect(elapsedText(42_400)).toBe('42 s');
    expect(elapsedText(65_000)).toBe('1 min 05 s');
  });
});

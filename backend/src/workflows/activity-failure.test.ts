import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../app/contracts/errors';
import { RETRYABLE_CODES, toActivityFailure } from './activity-failure';

describe('activity failures', () => {
  it('lets a step whose service is away be retried, under its stable code and with its details', () => {
    const f = toActivityFailure(new AppError('stt.unavailable', 'gateway down', { details: { attempt: 1 } }));
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f).toMatchObject({ type: 'stt.unavailable', message: 'gateway down', nonRetryable: false, details: [{ attempt: 1 }] });
  });

  it('fails at once on codes another attempt cannot fix, listed or not', () => {
    for (const code of ['recording.mono', 'budget.exceeded', 'crypto.key_destroyed', 'recording.missing', 'auth.forbidden'] as const) {
      expect(toActivityFailure(new AppError(code, code))).toMatchObject({ type: code, nonRetryable: true, details: [] });
    }
  });

  it('retries every listed code', () => {
    for (const code of RETRYABLE_CODES) expect(toActivityFailure(new AppError(code, code))).toMatchObject({ type: code, nonRetryable: false });
  });

  it('leaves anything that is not an AppError to Temporal as it is', () => {
    const e = new TypeError('boom');
    expect(toActivityFailure(e)).toBe(e);
  });
});

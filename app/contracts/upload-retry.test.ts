import { describe, expect, it } from 'vitest';
import { uploadRetryCanSucceed } from './upload-retry';

describe('upload retry', () => {
  it('says a retry cannot succeed when the file, the consent or the rights are the problem', () => {
    for (const code of ['recording.empty_channel', 'recording.mono', 'recording.corrupt', 'consent.missing', 'auth.forbidden']) expect(uploadRetryCanSucceed(code), code).toBe(false);
  });
  it('says a retry can succeed when the line or the server were the problem, or an evaluation was running', () => {
    for (const code of ['upload.unreachable', 'upload.failed', 'rate.limited', 'session.state_invalid', 'http.503']) expect(uploadRetryCanSucceed(code), code).toBe(true);
  });
});

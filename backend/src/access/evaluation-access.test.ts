import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { createConsentedSession } from '../signaling/signaling-fixtures';
import { evaluationAccess } from './evaluation-access';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

describe('the worker\'s access check', () => {
  it('runs an evaluation only for a user who may evaluate that session', async () => {
    const access = evaluationAccess(h.api.authorizer);
    const owner = await h.user('clinician');
    const sessionId = await createConsentedSession(h.url, owner.token);
    await expect(access.requireEvaluate(owner.orgId, sessionId, owner.userId)).resolves.toBeUndefined();
    // An org admin does not act clinically on another clinician's session (decision 033).
    const admin = await h.user('org_admin', owner.orgId);
    await expect(access.requireEvaluate(owner.orgId, sessionId, admin.userId)).rejects.toMatchObject({ code: 'auth.forbidden' });
    const colleague = await h.user('clinician', owner.orgId);
    await expect(access.requireEvaluate(owner.orgId, sessionId, colleague.userId)).rejects.toMatchObject({ code: 'session.not_found' });
    const supervisor = await h.user('supervisor', owner.orgId);
    await h.assign(owner.orgId, supervisor.userId, owner.userId);
    await expect(access.requireEvaluate(owner.orgId, sessionId, supervisor.userId)).rejects.toMatchObject({ code: 'auth.forbidden' });
    // A user of another org named in this org's input is nobody here.
    const stranger = await h.user('clinician');
    await expect(access.requireEvaluate(owner.orgId, sessionId, stranger.userId)).rejects.toMatchObject({ code: 'session.not_found' });
    await expect(access.requireEvaluate(owner.orgId, sessionId, undefined)).rejects.toMatchObject({ code: 'auth.forbidden' });
  });
});

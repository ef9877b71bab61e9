import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMembership, createUser } from '../../db/repositories/identity';
import { TEST_ORG_POLICY, chatAnswer, postChat, startGatewayHarness, type GatewayHarness } from './gateway-test-harness';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
  h.upstream.respond = () => ({ json: chatAnswer('Fine.') });
});
afterAll(() => h.close());

const ask = { model: 'test-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 };
const member = (orgId: string, role: 'clinician' | 'auditor') =>
  h.db.withOrg(orgId, async (tx) => {
    const u = await createUser(tx, { email: `${role}-${Math.random().toString(36).slice(2)}@example.test`, displayName: role });
    await addMembership(tx, { userId: u.id, role });
    return u.id;
  });
const codeOf = async (r: Response) => ((await r.json()) as { error: { code: string } }).error.code;

describe('X-FE-User', () => {
  it('must be a member of the caller\'s org: an unknown user or another org\'s is refused before any upstream call or audit row', async () => {
    const o = await h.org();
    const stranger = await h.org();
    for (const userId of ['6f1c3c52-0000-4000-8000-000000000000', stranger.userId]) {
      const r = await postChat(h.baseURL, o.secret, ask, { 'x-fe-user': userId });
      expect(r.status).toBe(403);
      expect(await codeOf(r)).toBe('auth.forbidden');
    }
    expect(await h.audit(o.orgId)).toEqual([]);
    expect((await postChat(h.baseURL, o.secret, ask, { 'x-fe-user': o.userId })).status).toBe(200);
  });

  it('may only stand for someone who may evaluate the session: another clinician is told the session does not exist, an auditor is refused', async () => {
    const o = await h.org();
    const sessionId = await h.session(o.orgId, o.userId, ['Ana Silva', 'Ben Carter']);
    const colleague = await member(o.orgId, 'clinician');
    const auditor = await member(o.orgId, 'auditor');
    const asColleague = await postChat(h.baseURL, o.secret, ask, { 'x-fe-user': colleague, 'x-fe-session': sessionId });
    expect([asColleague.status, await codeOf(asColleague)]).toEqual([404, 'session.not_found']);
    const asAuditor = await postChat(h.baseURL, o.secret, ask, { 'x-fe-user': auditor, 'x-fe-session': sessionId });
    expect([asAuditor.status, await codeOf(asAuditor)]).toEqual([403, 'auth.forbidden']);
    expect((await postChat(h.baseURL, o.secret, ask, { 'x-fe-user': o.userId, 'x-fe-session': sessionId })).status).toBe(200);
  });

  it('puts the real user\'s role, not "service", into the gateway policy\'s input', async () => {
    // This org lets only workloads (role service) call rubric_analysis.
    const o = await h.org({ policy: { purposes: { ...TEST_ORG_POLICY.purposes, rubric_analysis: { ...TEST_ORG_POLICY.purposes!.rubric_analysis, roles: ['service'] } } } });
    expect((await postChat(h.baseURL, o.secret, ask)).status).toBe(200);
    const r = await postChat(h.baseURL, o.secret, ask, { 'x-fe-user': o.userId });
    expect(r.status).toBe(403);
    const body = ((await r.json()) as { error: { code: string; details: { reasons: string[] } } }).error;
    expect(body.code).toBe('policy.denied');
    expect(body.details.reasons).toContain('role clinician may not call purpose rubric_analysis');
  });
});

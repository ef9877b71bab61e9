import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { revokeServiceCredential } from '../../db/repositories/service-credentials';
import { chatAnswer, postChat, startGatewayHarness, type GatewayHarness } from './gateway-test-harness';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.upstream.respond = () => ({ json: chatAnswer('Fine.') });
});

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'test-chat', messages: [{ role: 'user', content }], max_tokens: 50, ...extra });

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; type: string; details?: Record<string, unknown> } }).error;
}

describe('authentication', () => {
  it('refuses a call without a credential with 401 auth.invalid and forwards nothing', async () => {
    const before = h.upstream.calls.length;
    const res = await postChat(h.baseURL, null, ask('hi'));
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatchObject({ code: 'auth.invalid', type: 'authentication_error' });
    expect(h.upstream.calls.length).toBe(before);
  });

  it('refuses an unknown secret', async () => {
    const res = await postChat(h.baseURL, `fegw_${'a'.repeat(32)}_${'b'.repeat(43)}`, ask('hi'));
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('auth.invalid');
  });

  it('refuses a revoked credential', async () => {
    const o = await h.org();
    await revokeServiceCredential(h.db, o.orgId, o.credentialId);
    const res = await postChat(h.baseURL, o.secret, ask('hi'));
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('auth.invalid');
  });

  it('refuses an expired credential', async () => {
    const o = await h.org();
    const client = new pg.Client({ connectionString: h.t.url });
    await client.connect();
    await client.query("UPDATE ai_service_credentials SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE id = $1", [o.credentialId]);
    await client.end();
    const res = await postChat(h.baseURL, o.secret, ask('hi'));
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('auth.invalid');
  });

  it('refuses a purpose the credential is not minted for with 403 auth.forbidden', async () => {
    const o = await h.org({ purposes: ['transcription'] });
    const res = await postChat(h.baseURL, o.secret, ask('hi'));
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('auth.forbidden');
  });
});

describe('request checks', () => {
  it('requires the X-FE-Purpose header (400 request.invalid)', async () => {
    const o = await h.org();
    const res = await postChat(h.baseURL, o.secret, ask('hi'), { 'x-fe-purpose': '' });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'request.invalid', type: 'invalid_request_error' });
    expect((await errorOf(await postChat(h.baseURL, o.secret, ask('hi'), { 'x-fe-session': 'not-a-uuid' }))).code).toBe('request.invalid');
  });

  it('refuses a body that is not a chat request, and an unknown model with 404 model.not_found', async () => {
    const o = await h.org();
    const bad = await postChat(h.baseURL, o.secret, { model: 'test-chat', messages: [] });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe('request.invalid');
    const unknown = await postChat(h.baseURL, o.secret, ask('hi', { model: 'gpt-17' }));
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('model.not_found');
  });

  it('refuses NUL or an unpaired surrogate anywhere in the body with 400 request.invalid_text and forwards nothing', async () => {
    const o = await h.org();
    const before = h.upstream.calls.length;
    for (const body of [ask('hi\u0000there'), ask('half \uD800'), { ...ask('hi'), 'user\u0000': 'x' }]) {
      const res = await postChat(h.baseURL, o.secret, body);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'request.invalid_text', type: 'invalid_request_error' });
    }
    expect(h.upstream.calls.length).toBe(before);
  });

  it('refuses a body larger than maxBodyBytes with 413', async () => {
    const o = await h.org();
    const res = await postChat(h.baseURL, o.secret, ask('x'.repeat(1024 * 1024 + 10)));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('request.invalid');
  });
});

describe('answers', () => {
  it('passes a non-streaming answer through with its usage, and forwards the upstream model id with max_tokens', async () => {
    const o = await h.org();
    h.upstream.respond = () => ({ json: chatAnswer('The plan is clear.', { prompt: 31, completion: 7 }) });
    const res = await postChat(h.baseURL, o.secret, ask('Summarise.'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fe-provider')).toBe('upstream-eu');
    const body = (await res.json()) as { model: string; choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(body.model).toBe('test-chat');
    expect(body.choices[0]!.message.content).toBe('The plan is clear.');
    expect(body.usage).toMatchObject({ prompt_tokens: 31, completion_tokens: 7 });
    const sent = JSON.parse(h.upstream.calls.at(-1)!.text) as { model: string; max_tokens: number };
    expect(sent).toMatchObject({ model: 'test-model', max_tokens: 50 });
    // 31 prompt tokens at 1 micro-USD + 7 completion tokens at 2.
    expect(res.headers.get('x-fe-cost-micros')).toBe('45');
  });

  it('refuses max_tokens above the purpose limit with 403 naming the limit, and uses the limit when none is asked', async () => {
    const o = await h.org();
    const before = h.upstream.calls.length;
    const over = await postChat(h.baseURL, o.secret, ask('a', { max_tokens: 50_000 }));
    expect(over.status).toBe(403);
    expect((await errorOf(over)).details).toMatchObject({ reasons: ['max_tokens 50000 exceeds the limit 1000 for purpose rubric_analysis'] });
    expect(h.upstream.calls.length).toBe(before);
    await postChat(h.baseURL, o.secret, { model: 'test-chat', messages: [{ role: 'user', content: 'b' }] });
    expect((JSON.parse(h.upstream.calls.at(-1)!.text) as { max_tokens: number }).max_tokens).toBe(1000);
  });

  it('streams an answer through as server-sent events, ending with usage when the caller asked for it', async () => {
    const o = await h.org();
    h.upstream.respond = () => ({
      sse: [
        { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'test-model', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] },
        { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'test-model', choices: [{ index: 0, delta: { content: 'lo.' }, finish_reason: 'stop' }] },
        { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'test-model', choices: [], usage: { prompt_tokens: 12, completion_tokens: 2 } },
      ],
    });
    const res = await postChat(h.baseURL, o.secret, ask('Say hello', { stream: true, stream_options: { include_usage: true } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { model: string; choices: Array<{ delta: { content?: string } }>; usage?: { prompt_tokens: number } });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello.');
    expect(chunks.every((c) => c.model === 'test-chat')).toBe(true);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 2 });
    expect(JSON.parse(h.upstream.calls.at(-1)!.text)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const [record] = (await h.audit(o.orgId)).slice(-1);
    expect(record).toMatchObject({ tokensIn: 12, tokensOut: 2, costMicros: 16, outcome: 'ok' });
  });

  it('leaves the usage chunk out of a stream when the caller did not ask for it', async () => {
    const o = await h.org();
    h.upstream.respond = () => ({
      sse: [
        { id: 'c2', object: 'chat.completion.chunk', created: 1, choices: [{ index: 0, delta: { content: 'Ok' }, finish_reason: 'stop' }] },
        { id: 'c2', object: 'chat.completion.chunk', created: 1, choices: [], usage: { prompt_tokens: 5, completion_tokens: 1 } },
      ],
    });
    const text = await (await postChat(h.baseURL, o.secret, ask('ok?', { stream: true }))).text();
    expect(text).not.toContain('usage');
    expect(text).toContain('"content":"Ok"');
  });
});

describe('policy (real OPA bundle, org overrides merged over resources/policies/data.json)', () => {
  it('denies a model not allowed for the purpose with 403 policy.denied and its reasons, forwards nothing, and audits the denial', async () => {
    const o = await h.org();
    const before = h.upstream.calls.length;
    const res = await postChat(h.baseURL, o.secret, ask('hi', { model: 'secret-model' }));
    expect(res.status).toBe(403);
    const err = await errorOf(res);
    expect(err).toMatchObject({ code: 'policy.denied', type: 'permission_error' });
    expect(err.details).toEqual({ reasons: ['model secret-model is not allowed for purpose rubric_analysis'], policyVersion: h.policy.version });
    expect(h.upstream.calls.length).toBe(before);
    const records = await h.audit(o.orgId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ policyDecision: 'deny', policyVersion: h.policy.version, outcome: 'policy.denied', provider: 'none', model: 'secret-model', purpose: 'rubric_analysis', costMicros: 0, promptSha256: null });
  });

  it("denies every model under the shipped defaults alone (only the embedded model is allowed), until the org's allow-list names it", async () => {
    const o = await h.org({ policy: {} });
    const res = await postChat(h.baseURL, o.secret, ask('hi'));
    expect(res.status).toBe(403);
    expect((await errorOf(res)).details).toMatchObject({ reasons: ['model test-chat is not allowed for purpose rubric_analysis'] });
  });

  it('denies a purpose the org switched off, and a provider outside the regions the org accepts', async () => {
    const off = await h.org({ policy: { purposes: { rubric_analysis: null } } });
    // A switched-off purpose has no limits either, so the asked max_tokens is over its limit of 0 too.
    expect((await errorOf(await postChat(h.baseURL, off.secret, ask('hi')))).details).toMatchObject({
      reasons: ['max_tokens 50 exceeds the limit 0 for purpose rubric_analysis', `purpose rubric_analysis is not enabled for org ${off.orgId}`],
    });
    const usOnly = await h.org({ policy: { purposes: { rubric_analysis: { models: ['test-chat'] } }, allowed_regions: ['us'] } });
    const res = await postChat(h.baseURL, usOnly.secret, ask('hi'));
    expect(res.status).toBe(403);
    expect((await errorOf(res)).details).toMatchObject({ reasons: ['provider upstream-eu is in region eu, outside the allowed regions (us)'] });
  });
});

describe('redaction', () => {
  it("never sends the session's participant names, a phone number or an email upstream, and restores PERSON placeholders in the answer", async () => {
    const o = await h.org();
    const sessionId = await h.session(o.orgId, o.userId, ['Dr. Amara Okafor', 'Daniel Whitfield']);
    let seen = '';
    h.upstream.respond = (call) => {
      seen = call.text;
      // The model answers in placeholders, as it only ever saw those.
      const person = /\[PERSON_\d+\]/.exec(call.text)?.[0] ?? '?';
      return { json: chatAnswer(`${person} should call back; phone [PHONE_1].`) };
    };
    const res = await postChat(
      h.baseURL,
      o.secret,
      ask('Daniel Whitfield said Dr. Okafor can reach him on 07700 900123 or daniel.w@example.com. Daniel agreed.', {
        messages: [
          { role: 'system', content: 'You review a session between Amara Okafor and Daniel.' },
          { role: 'user', content: 'Daniel Whitfield said Dr. Okafor can reach him on 07700 900123 or daniel.w@example.com. Daniel agreed.' },
        ],
      }),
      { 'x-fe-session': sessionId },
    );
    expect(res.status).toBe(200);
    for (const secret of ['Daniel', 'Whitfield', 'Okafor', 'Amara', '07700 900123', '900123', 'daniel.w@example.com']) expect(seen).not.toContain(secret);
    expect(seen).toMatch(/\[PERSON_1\]/);
    const answer = ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
    // PERSON is restored, PHONE is not (the policy allows only PERSON).
    expect(answer).toMatch(/^(Daniel Whitfield|Dr\. Amara Okafor) should call back; phone \[PHONE_1\]\.$/);
    const [record] = await h.audit(o.orgId);
    expect(record!.redactionCounts).toMatchObject({ PERSON: 5, PHONE: 1, EMAIL: 1 });
    expect(record!.sessionId).toBe(sessionId);
  });

  it('restores a placeholder split across two stream chunks', async () => {
    const o = await h.org();
    const sessionId = await h.session(o.orgId, o.userId, ['Priya Raman', 'Tom Becker']);
    h.upstream.respond = () => ({
      sse: [
        { id: 's', object: 'chat.completion.chunk', created: 1, choices: [{ index: 0, delta: { content: 'Thanks, [PER' }, finish_reason: null }] },
        { id: 's', object: 'chat.completion.chunk', created: 1, choices: [{ index: 0, delta: { content: 'SON_1].' }, finish_reason: 'stop' }] },
        { id: 's', object: 'chat.completion.chunk', created: 1, choices: [], usage: { prompt_tokens: 9, completion_tokens: 4 } },
      ],
    });
    const res = await postChat(h.baseURL, o.secret, ask('Tom Becker thanked the clinician.', { stream: true }), { 'x-fe-session': sessionId });
    const text = (await res.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => (JSON.parse(e.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('Thanks, Tom Becker.');
    expect(h.upstream.calls.at(-1)!.text).not.toContain('Becker');
  });

  it('refuses a session that the org does not have (404 session.not_found) before anything is forwarded', async () => {
    const o = await h.org();
    const before = h.upstream.calls.length;
    const res = await postChat(h.baseURL, o.secret, ask('hi'), { 'x-fe-session': '00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('session.not_found');
    expect(h.upstream.calls.length).toBe(before);
  });
});

describe('idempotency', () => {
  it('answers a retry with the same Idempotency-Key from the store: upstream called once, charged once', async () => {
    const o = await h.org();
    let n = 0;
    h.upstream.respond = () => ({ json: chatAnswer(`answer ${++n}`, { prompt: 10, completion: 5 }) });
    const before = h.upstream.calls.length;
    const first = await postChat(h.baseURL, o.secret, ask('same'), { 'idempotency-key': 'eval-1-section-2' });
    const second = await postChat(h.baseURL, o.secret, ask('same'), { 'idempotency-key': 'eval-1-section-2' });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await second.json()).toEqual(await first.json());
    expect(h.upstream.calls.length - before).toBe(1);
    const usage = await h.db.withOrg(o.orgId, (tx) => tx.query<{ n: string; settled: string }>("SELECT count(*) AS n, sum(settled_micros) AS settled FROM ai_reservations WHERE status = 'settled'"));
    expect(usage.rows[0]).toEqual({ n: '1', settled: '20' });
    expect((await h.audit(o.orgId)).map((r) => r.outcome)).toEqual(['ok', 'idempotent_replay']);
  });

  it('refuses the same key with a different body with 409 idempotency.conflict', async () => {
    const o = await h.org();
    await postChat(h.baseURL, o.secret, ask('one'), { 'idempotency-key': 'k-1' });
    const before = h.upstream.calls.length;
    const res = await postChat(h.baseURL, o.secret, ask('two'), { 'idempotency-key': 'k-1' });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('idempotency.conflict');
    expect(h.upstream.calls.length).toBe(before);
  });
});

describe('upstream failure', () => {
  it('answers 503 upstream.unavailable when the provider keeps failing, releases the reservation and frees the key', async () => {
    const o = await h.org();
    await h.budget(o.orgId, { scope: 'org', period: 'month', capMicros: 1_000_000 });
    h.upstream.respond = () => ({ status: 503, json: { error: { message: 'overloaded' } } });
    const before = h.upstream.calls.length;
    const res = await postChat(h.baseURL, o.secret, ask('hi'), { 'idempotency-key': 'retry-me' });
    expect(res.status).toBe(503);
    expect(await errorOf(res)).toMatchObject({ code: 'upstream.unavailable', type: 'server_error' });
    expect(h.upstream.calls.length - before).toBe(3);
    const counters = await h.db.withOrg(o.orgId, (tx) => tx.query<{ reserved: string; settled: string }>('SELECT reserved_micros AS reserved, settled_micros AS settled FROM ai_budget_counters'));
    expect(counters.rows).toEqual([{ reserved: '0', settled: '0' }]);
    const [record] = await h.audit(o.orgId);
    expect(record).toMatchObject({ outcome: 'upstream.unavailable', policyDecision: 'allow', costMicros: 0 });
    // The key was given back: a retry runs the call again.
    h.upstream.respond = () => ({ json: chatAnswer('back') });
    expect((await postChat(h.baseURL, o.secret, ask('hi'), { 'idempotency-key': 'retry-me' })).status).toBe(200);
  });
});

describe('audit trail', () => {
  it('holds one verifiable record per admitted call after a mixed run, with the expected fields', async () => {
    const o = await h.org();
    const sessionId = await h.session(o.orgId, o.userId, ['Ana Silva', 'Ben Carter']);
    const userId = o.userId;
    h.upstream.respond = () => ({ json: chatAnswer('ok [PERSON_1]', { prompt: 20, completion: 3 }) });
    const statuses = [
      (await postChat(h.baseURL, o.secret, ask('Ben Carter is fine'), { 'x-fe-session': sessionId, 'x-fe-user': userId })).status,
      (await postChat(h.baseURL, o.secret, ask('no', { model: 'secret-model' }))).status,
      (await postChat(h.baseURL, o.secret, ask('again'), { 'idempotency-key': 'a' })).status,
      (await postChat(h.baseURL, o.secret, ask('again'), { 'idempotency-key': 'a' })).status,
      (await postChat(h.baseURL, o.secret, ask('other'), { 'idempotency-key': 'a' })).status,
    ];
    expect(statuses).toEqual([200, 403, 200, 200, 409]);
    const records = await h.audit(o.orgId);
    expect(records.map((r) => r.outcome)).toEqual(['ok', 'policy.denied', 'ok', 'idempotent_replay', 'idempotency.conflict']);
    expect(await h.verify(o.orgId)).toEqual({ ok: true, count: 5, headHash: records[4]!.hash, checkpointSeq: 5 });
    const first = records[0]!;
    expect(first).toMatchObject({ orgId: o.orgId, userId, sessionId, purpose: 'rubric_analysis', provider: 'upstream-eu', model: 'test-chat', tokensIn: 20, tokensOut: 3, costMicros: 26, policyDecision: 'allow', policyVersion: h.policy.version, redactionCounts: { PERSON: 1 } });
    expect(first.promptSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.responseSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe('models', () => {
  it('lists the routes the policy allows the org for a purpose', async () => {
    const o = await h.org();
    const ids = async (purpose: string) => {
      const res = await fetch(`${h.baseURL}/models`, { headers: { authorization: `Bearer ${o.secret}`, 'x-fe-purpose': purpose } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id).sort();
    };
    expect(await ids('rubric_analysis')).toEqual(['test-chat']);
    expect(await ids('transcription')).toEqual(['test-stt']);
    expect(await ids('marketing')).toEqual([]);
  });
});

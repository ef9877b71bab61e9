import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, type ApiServer } from '../http-server';
import { databaseTokenResolver } from '../token-resolver';
import { createSessionService } from '../../sessions/session-service';
import { createDatabase, type Database } from '../../db/database';
import { addApiToken, addMembership, createOrg, createUser, type Role } from '../../db/repositories/identity';
import { listAuditEvents } from '../../db/repositories/audit';
import { secretSha256 } from '../../db/repositories/service-credentials';
import { createAiAdminService } from '../../gateway/admin/ai-admin-service';
import { createAiGatewaySettingsService } from '../../gateway/admin/ai-gateway-settings-service';
import { createBudgetLedger } from '../../gateway/budget-ledger';
import type { PolicyEngine } from '../../gateway/gateway-contracts';
import { createIdempotencyStore } from '../../gateway/idempotency-store';
import { loadPolicyEngine } from '../../gateway/policy/opa-policy';
import { ensurePolicyBundle } from '../../gateway/policy/policy-build';
import { readPolicySources } from '../../gateway/policy/policy-sources';
import { createPriceTable } from '../../gateway/price-table';
import { createOpenAiProvider } from '../../gateway/providers/openai-provider';
import { parseProvidersConfig } from '../../gateway/providers/provider-config';
import { createProviderRouter, type GatewayProviderRouter } from '../../gateway/providers/provider-router';
import { createGatewayServer, type GatewayServer } from '../../gateway/service/gateway-server';
import { defaultDataDir } from '../../paths';
import { getRubric, listRubrics } from '../../rubrics/rubric-catalog';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer } from '../../testing/openai-test-server';
import { testAbuseLimits } from '../../testing/test-abuse-limits';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { loadTestAccessEngine } from '../../testing/test-access';
import { silentLog } from '../../runtime/log';

/**
 * Overrides that make the test routes usable, merged by the real Rego over
 * resources/policies/data.json: `test-chat` for rubric_analysis, `test-stt` for transcription.
 * `secret-model` is configured in the gateway but allowed for no purpose until an admin adds it.
 */
const TEST_ORG_POLICY = {
  purposes: {
    rubric_analysis: { models: ['test-chat'], max_tokens: 1000 },
    transcription: { models: ['test-stt'], allow_unredacted: true },
  },
};

// The API server and a real gateway (the real OPA bundle, its own 1 s caches) share one test
// database, so what an admin changes here is what the gateway reads.
let tdb: TestDatabase;
let db: Database;
let upstream: OpenAiTestServer;
let policy: PolicyEngine;
let router: GatewayProviderRouter;
let gateway: GatewayServer;
let gatewayURL: string;
let api: ApiServer;
let url: string;
let dir: string;
beforeAll(async () => {
  const bundle = await ensurePolicyBundle({ dataDir: defaultDataDir, pathEnv: process.env.PATH ?? '' });
  policy = await loadPolicyEngine({ bundleDir: bundle.bundleDir });
  tdb = await createTestDatabase();
  db = createDatabase(tdb.url, { max: 8, keys: tdb.keys });
  upstream = await startOpenAiTestServer({ respond: () => chatCompletion('Fine.', { promptTokens: 20, completionTokens: 10 }) });
  router = createProviderRouter({
    config: parseProvidersConfig({
      providers: [{ id: 'upstream-eu', kind: 'openai-compatible', baseUrl: upstream.baseURL, region: 'eu', timeoutMs: 10_000, maxRetries: 0 }],
      models: [
        { model: 'test-chat', kind: 'chat', targets: [{ provider: 'upstream-eu', upstreamModel: 'test-model' }] },
        { model: 'secret-model', kind: 'chat', targets: [{ provider: 'upstream-eu', upstreamModel: 'test-model' }] },
      ],
    }),
    providers: (cfg) => createOpenAiProvider({ id: cfg.id, kind: 'openai-compatible', region: cfg.region, baseUrl: cfg.baseUrl! }),
  });
  gateway = createGatewayServer({
    db,
    policy,
    access: await loadTestAccessEngine(),
    router,
    prices: createPriceTable('2026-11', [{ provider: 'openai-compatible', model: 'test-model', kind: 'chat', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 2_000_000 }]),
    ledger: createBudgetLedger(db),
    idempotency: createIdempotencyStore(db),
    limits: { requestsPerMinutePerOrg: 1_000_000, maxBodyBytes: 1024 * 1024, maxAudioBytes: 1024 * 1024 },
    log: silentLog(),
  });
  gatewayURL = await gateway.listen(0);

  dir = mkdtempSync(path.join(os.tmpdir(), 'fe-ai-settings-'));
  const blobs = tdb.blobStore(path.join(dir, 'blobs'));
  const sessions = createSessionService({ db, blobs, evaluations: { start: async () => Promise.reject(new Error('no Temporal here')), terminate: async () => Promise.reject(new Error('no Temporal here')) }, rubric: (id) => getRubric(id), limits: { maxBytes: 1e6, maxDurationSec: 60 } });
  api = createApiServer({
    sessions,
    db,
    access: await loadTestAccessEngine(),
    resolver: databaseTokenResolver(db),
    rubrics: () => listRubrics(),
    uploadsDir: path.join(dir, 'uploads'),
    maxUploadBytes: 1e6,
    limits: testAbuseLimits(db),
    aiAdmin: createAiAdminService(db),
    aiGatewaySettings: createAiGatewaySettingsService(db, { policyVersion: policy.version }),
  });
  url = await api.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await api?.close();
  await gateway?.close();
  await router?.close();
  await upstream?.close();
  await db?.close();
  await tdb?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function user(role: Role, orgId?: string) {
  const org = orgId ?? randomUUID();
  const token = `t-${randomBytes(16).toString('hex')}`;
  const userId = await db.withOrg(org, async (tx) => {
    if (!orgId) await createOrg(tx, { name: `Org ${org.slice(0, 8)}` });
    const u = await createUser(tx, { email: `${role}-${randomBytes(3).toString('hex')}@example.test`, displayName: `Test ${role}` });
    await addMembership(tx, { userId: u.id, role });
    await addApiToken(tx, { userId: u.id, token });
    return u.id;
  });
  return { orgId: org, userId, token };
}

async function call(method: string, p: string, token: string | null, body?: unknown, raw?: string) {
  const res = await fetch(`${url}/v1/admin/ai${p}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, cacheControl: res.headers.get('cache-control') ?? '', text, json: text && type.includes('json') ? JSON.parse(text) : null };
}

/** Runs fn while the app role may not append to the session audit trail (superuser only). */
async function withAuditTrailClosed(fn: () => Promise<void>) {
  const su = new pg.Client({ connectionString: tdb.url });
  await su.connect();
  try {
    await su.query('REVOKE INSERT ON audit_events FROM fe_app');
    await fn();
  } finally {
    await su.query('GRANT INSERT ON audit_events TO fe_app');
    await su.end();
  }
}

const events = (orgId: string) => db.withOrg(orgId, (tx) => listAuditEvents(tx));

/** Polls until `probe` gives `want` (the gateway caches credentials and settings for ~1 s); returns the last value seen. */
async function eventually<T>(probe: () => Promise<T>, want: T, giveUpMs = 15_000): Promise<T> {
  const stop = Date.now() + giveUpMs;
  let last = await probe();
  while (last !== want && Date.now() < stop) {
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}

const models = (secret: string) => fetch(`${gatewayURL}/models`, { headers: { authorization: `Bearer ${secret}` } });
const chat = (secret: string, model: string) =>
  fetch(`${gatewayURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', 'x-fe-purpose': 'rubric_analysis' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Summarise the session.' }], max_tokens: 50 }),
  });

describe('AI gateway settings API: access', () => {
  it('lets an auditor read the policy and the credentials but change neither', async () => {
    const admin = await user('org_admin');
    const auditor = await user('auditor', admin.orgId);
    const minted = (await call('POST', '/credentials', admin.token, { name: 'integration' })).json;
    expect((await call('GET', '/policy', auditor.token)).status).toBe(200);
    const list = await call('GET', '/credentials', auditor.token);
    expect(list.status).toBe(200);
    expect(list.json.credentials.map((c: { id: string }) => c.id)).toEqual([minted.id]);
    for (const [m, p, body] of [['PUT', '/policy', {}], ['POST', '/credentials', { name: 'x' }], ['DELETE', `/credentials/${minted.id}`, undefined]] as const) {
      const r = await call(m, p, auditor.token, body);
      expect(r.status, `${m} ${p}`).toBe(403);
      expect(r.json.code).toBe('auth.forbidden');
    }
    expect((await call('GET', '/credentials', admin.token)).json.credentials).toMatchObject([{ id: minted.id, state: 'active', revokedAt: null }]);
    expect((await call('GET', '/policy', admin.token)).json.settings).toEqual({});
  });

  it('refuses clinicians and supervisors everything, and anyone without a token', async () => {
    for (const role of ['clinician', 'supervisor'] as const) {
      const u = await user(role);
      for (const [m, p, body] of [['GET', '/policy'], ['PUT', '/policy', {}], ['GET', '/credentials'], ['POST', '/credentials', { name: 'x' }], ['DELETE', `/credentials/${randomUUID()}`]] as const) {
        const r = await call(m, p, u.token, body);
        expect(r.status, `${role} ${m} ${p}`).toBe(403);
        expect(r.type).toContain('application/problem+json');
        expect(r.json.code).toBe('auth.forbidden');
      }
      // Nothing changed: the trail holds only the access policy's record of each denial.
      const trail = await events(u.orgId);
      expect(trail.filter((e) => e.action !== 'access.denied')).toEqual([]);
      expect(trail.map((e) => e.data.action)).toEqual(['ai_admin.read', 'ai_admin.write', 'ai_admin.read', 'ai_admin.write', 'ai_admin.write']);
    }
    expect((await call('GET', '/policy', null)).json).toMatchObject({ status: 401, code: 'auth.missing' });
    expect((await call('POST', '/credentials', null, { name: 'x' })).json).toMatchObject({ status: 401, code: 'auth.missing' });
  });

  it('is described in the OpenAPI document, the policy body by the schema that validates it', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }> };
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/admin/ai/policy', '/v1/admin/ai/credentials', '/v1/admin/ai/credentials/{id}', '/v1/admin/ai/budgets']));
    expect(Object.keys(doc.paths['/v1/admin/ai/policy'] ?? {}).sort()).toEqual(['get', 'put']);
    expect(Object.keys(doc.paths['/v1/admin/ai/credentials'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.components.schemas.AiOrgPolicySettings?.properties ?? {}).sort()).toEqual(['allowed_regions', 'purposes', 'redaction']);
    expect(doc.components.schemas.AiOrgPolicySettings?.additionalProperties).toBe(false);
    expect(Object.keys(doc.components.schemas.AiCredential?.properties ?? {})).not.toContain('secret');
  });
});

describe('AI gateway settings API: policy', () => {
  it('stores the overrides, answers them back with the running policy version, and audits each change', async () => {
    const admin = await user('org_admin');
    // The runtime reports readPolicySources().version: the same as the bundle the gateway runs.
    expect(policy.version).toBe(readPolicySources().version);
    expect((await call('GET', '/policy', admin.token)).json).toEqual({ settings: {}, policyVersion: policy.version });

    const put = await call('PUT', '/policy', admin.token, TEST_ORG_POLICY);
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ settings: TEST_ORG_POLICY, policyVersion: policy.version });
    expect((await call('GET', '/policy', admin.token)).json.settings).toEqual(TEST_ORG_POLICY);

    const stricter = { purposes: { rubric_analysis: { models: ['test-chat'], roles: ['service'], restore_kinds: [] }, transcription: null }, allowed_regions: ['eu'], redaction: { always: true } };
    expect((await call('PUT', '/policy', admin.token, stricter)).json.settings).toEqual(stricter);
    const auditor = await user('auditor', admin.orgId);
    expect((await call('GET', '/policy', auditor.token)).json.settings).toEqual(stricter);
    // PUT replaces the whole document: an empty one brings back the shipped defaults.
    expect((await call('PUT', '/policy', admin.token, {})).json.settings).toEqual({});

    const trail = await events(admin.orgId);
    expect(trail.map((e) => [e.action, e.actorUserId, e.targetId])).toEqual([
      ['ai.policy.set', admin.userId, admin.orgId],
      ['ai.policy.set', admin.userId, admin.orgId],
      ['ai.policy.set', admin.userId, admin.orgId],
    ]);
    expect(trail.map((e) => e.data)).toEqual([{ settings: TEST_ORG_POLICY }, { settings: stricter }, { settings: {} }]);
  });

  it('answers invalid overrides and malformed JSON with request.invalid naming the path, storing and auditing nothing', async () => {
    const admin = await user('org_admin');
    await call('PUT', '/policy', admin.token, TEST_ORG_POLICY);
    const bad: Array<[unknown, Array<Array<string | number>>]> = [
      [{ budgets: {} }, [[]]],
      [{ purposes: { rubric_analysis: { roles: ['janitor'] } } }, [['purposes', 'rubric_analysis', 'roles', 0]]],
      [{ purposes: { rubric_analysis: { model: ['x'] } } }, [['purposes', 'rubric_analysis']]],
      [{ purposes: { 'Rubric-Analysis': { models: ['x'] } } }, [['purposes', 'Rubric-Analysis']]],
      [{ purposes: { rubric_analysis: { max_tokens: -1 } } }, [['purposes', 'rubric_analysis', 'max_tokens']]],
      [{ purposes: { rubric_analysis: { models: ['ok', ''] } } }, [['purposes', 'rubric_analysis', 'models', 1]]],
      [{ purposes: { rubric_analysis: { restore_kinds: ['SSN'] } } }, [['purposes', 'rubric_analysis', 'restore_kinds', 0]]],
      [{ redaction: { always: true, exempt_provider_kinds: ['openai'] } }, [['redaction']]],
      [{ allowed_regions: 'eu' }, [['allowed_regions']]],
      [[], [[]]],
    ];
    for (const [body, paths] of bad) {
      const r = await call('PUT', '/policy', admin.token, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.type).toContain('application/problem+json');
      expect(r.json.code).toBe('request.invalid');
      expect(r.json.details.issues.map((i: { path: Array<string | number> }) => i.path), JSON.stringify(body)).toEqual(paths);
    }
    const unknownKey = await call('PUT', '/policy', admin.token, { budgets: {} });
    expect(unknownKey.json.detail).toMatch(/budgets/);
    expect((await call('PUT', '/policy', admin.token, undefined, '{"purposes": {')).json).toMatchObject({ status: 400, code: 'request.invalid' });
    expect((await call('GET', '/policy', admin.token)).json.settings).toEqual(TEST_ORG_POLICY);
    expect((await events(admin.orgId)).map((e) => e.action)).toEqual(['ai.policy.set']);
  });

  it('lets the gateway pass a model the org adds to a purpose, where the policy denied it before', async () => {
    const admin = await user('org_admin');
    await call('PUT', '/policy', admin.token, TEST_ORG_POLICY);
    const { secret } = (await call('POST', '/credentials', admin.token, { name: 'pipeline', purposes: ['rubric_analysis'] })).json;

    const denied = await chat(secret, 'secret-model');
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('policy.denied');
    expect(((await (await models(secret)).json()) as { data: Array<{ id: string }> }).data.map((m) => m.id)).not.toContain('secret-model');

    const before = upstream.requests.length;
    const allowList = { purposes: { ...TEST_ORG_POLICY.purposes, rubric_analysis: { models: ['test-chat', 'secret-model'], max_tokens: 1000 } } };
    expect((await call('PUT', '/policy', admin.token, allowList)).status).toBe(200);
    const status = await eventually(async () => (await chat(secret, 'secret-model')).status, 200);
    expect(status).toBe(200);
    expect(upstream.requests.length).toBeGreaterThan(before);
    expect(upstream.requests.at(-1)!.body).toMatchObject({ model: 'test-model' });
    expect(((await (await models(secret)).json()) as { data: Array<{ id: string }> }).data.map((m) => m.id)).toContain('secret-model');

    // And taken away again.
    await call('PUT', '/policy', admin.token, TEST_ORG_POLICY);
    expect(await eventually(async () => (await chat(secret, 'secret-model')).status, 403)).toBe(403);
  });
});

describe('AI gateway settings API: service credentials', () => {
  it('mints a credential whose secret the gateway accepts, lists it without any secret, and revokes it', async () => {
    const admin = await user('org_admin');
    await call('PUT', '/policy', admin.token, TEST_ORG_POLICY);
    const minted = await call('POST', '/credentials', admin.token, { name: '  reporting integration ', purposes: ['rubric_analysis'], ttlSec: 3600 });
    expect(minted.status).toBe(201);
    expect(minted.cacheControl).toBe('no-store');
    const { id, secret, credential } = minted.json;
    expect(secret).toMatch(/^fegw_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(credential).toMatchObject({ id, name: 'reporting integration', purposes: ['rubric_analysis'], revokedAt: null, state: 'active' });
    const lifetime = Date.parse(credential.expiresAt) - Date.parse(credential.createdAt);
    expect(lifetime).toBeGreaterThan(3599_000);
    expect(lifetime).toBeLessThan(3601_000);

    const listed = await call('GET', '/credentials', admin.token);
    expect(listed.json.credentials).toEqual([credential]);
    expect(listed.text).not.toContain(secret.slice(-43));
    expect(listed.text).not.toContain(secretSha256(secret));

    const res = await models(secret);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id)).toEqual(['test-chat']);
    expect((await chat(secret, 'test-chat')).status).toBe(200);

    expect((await call('DELETE', `/credentials/${id}`, admin.token)).status).toBe(204);
    expect(await eventually(async () => (await models(secret)).status, 401)).toBe(401);
    expect((await chat(secret, 'test-chat')).status).toBe(401);
    const after = (await call('GET', '/credentials', admin.token)).json.credentials;
    expect(after).toMatchObject([{ id, state: 'revoked' }]);
    expect(after[0].revokedAt).not.toBeNull();
    // Revoking again is no change: 204, the first instant kept, no second audit event.
    expect((await call('DELETE', `/credentials/${id}`, admin.token)).status).toBe(204);
    expect((await call('GET', '/credentials', admin.token)).json.credentials[0].revokedAt).toBe(after[0].revokedAt);

    const trail = (await events(admin.orgId)).filter((e) => e.action.startsWith('ai.credential.'));
    expect(trail.map((e) => [e.action, e.actorUserId, e.targetType, e.targetId])).toEqual([
      ['ai.credential.minted', admin.userId, 'ai_service_credential', id],
      ['ai.credential.revoked', admin.userId, 'ai_service_credential', id],
    ]);
    expect(trail[0]!.data).toEqual({ name: 'reporting integration', purposes: ['rubric_analysis'], expiresAt: credential.expiresAt });
    const trailText = JSON.stringify(await events(admin.orgId));
    expect(trailText).not.toContain(secret.slice(-43));
    expect(trailText).not.toContain(secretSha256(secret));
  });

  it('mints a credential for any purpose that expires after the default 90 days when purposes and ttlSec are absent', async () => {
    const admin = await user('org_admin');
    const { credential, secret } = (await call('POST', '/credentials', admin.token, { name: 'any' })).json;
    expect(credential).toMatchObject({ purposes: null, state: 'active' });
    expect(Date.parse(credential.expiresAt) - Date.parse(credential.createdAt)).toBe(90 * 86_400_000);
    expect((await models(secret)).status).toBe(200);
  });

  it('answers invalid credential requests with request.invalid and unknown ids with credential.not_found', async () => {
    const admin = await user('org_admin');
    const bad = [{}, { name: '   ' }, { name: 'x', purposes: [] }, { name: 'x', purposes: ['Bad Purpose'] }, { name: 'x', ttlSec: 0 }, { name: 'x', ttlSec: 1.5 }, { name: 'x', ttlSec: 10 ** 12 }, { name: 'x', secret: 'mine' }];
    for (const body of bad) {
      const r = await call('POST', '/credentials', admin.token, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.code).toBe('request.invalid');
    }
    expect((await call('POST', '/credentials', admin.token, undefined, '{"name": ')).json).toMatchObject({ status: 400, code: 'request.invalid' });
    expect((await call('DELETE', `/credentials/${randomUUID()}`, admin.token)).json).toMatchObject({ status: 404, code: 'credential.not_found' });
    expect((await call('DELETE', '/credentials/not-a-uuid', admin.token)).json).toMatchObject({ status: 404, code: 'credential.not_found' });
    expect((await call('GET', '/credentials', admin.token)).json.credentials).toEqual([]);
    expect(await events(admin.orgId)).toEqual([]);
  });
});

describe('AI gateway settings API: text that cannot be stored', () => {
  it('refuses a credential name with NUL or a control character with 400 request.invalid_text and mints nothing', async () => {
    const admin = await user('org_admin');
    for (const name of ['worker\u0000', 'two\nlines', 'half \uDC00']) {
      const r = await call('POST', '/credentials', admin.token, { name });
      expect(r.json, JSON.stringify(name)).toMatchObject({ status: 400, code: 'request.invalid_text' });
    }
    expect((await call('GET', '/credentials', admin.token)).json.credentials).toEqual([]);
    expect(await events(admin.orgId)).toEqual([]);
  });
});

describe('AI gateway settings API: every change is audited or not made', () => {
  it('stores no policy and mints or revokes no credential when its audit event cannot be written', async () => {
    const admin = await user('org_admin');
    await call('PUT', '/policy', admin.token, TEST_ORG_POLICY);
    const kept = (await call('POST', '/credentials', admin.token, { name: 'kept' })).json;
    await withAuditTrailClosed(async () => {
      expect((await call('PUT', '/policy', admin.token, {})).json).toMatchObject({ status: 500, code: 'internal' });
      expect((await call('POST', '/credentials', admin.token, { name: 'unaudited' })).json).toMatchObject({ status: 500, code: 'internal' });
      expect((await call('DELETE', `/credentials/${kept.id}`, admin.token)).json).toMatchObject({ status: 500, code: 'internal' });
    });
    expect((await call('GET', '/policy', admin.token)).json.settings).toEqual(TEST_ORG_POLICY);
    expect((await call('GET', '/credentials', admin.token)).json.credentials).toMatchObject([{ id: kept.id, name: 'kept', state: 'active' }]);
    expect((await models(kept.secret)).status).toBe(200);
  });
});

describe('AI gateway settings API: org isolation', () => {
  it("never shows or changes one org's policy or credentials for another org's admin", async () => {
    const a = await user('org_admin');
    const b = await user('org_admin');
    await call('PUT', '/policy', a.token, TEST_ORG_POLICY);
    const minted = (await call('POST', '/credentials', a.token, { name: 'a-only', purposes: ['rubric_analysis'] })).json;

    expect((await call('GET', '/policy', b.token)).json.settings).toEqual({});
    expect((await call('GET', '/credentials', b.token)).json.credentials).toEqual([]);
    expect((await call('DELETE', `/credentials/${minted.id}`, b.token)).json).toMatchObject({ status: 404, code: 'credential.not_found' });
    await call('PUT', '/policy', b.token, { purposes: { rubric_analysis: null } });

    expect((await call('GET', '/policy', a.token)).json.settings).toEqual(TEST_ORG_POLICY);
    expect((await call('GET', '/credentials', a.token)).json.credentials).toMatchObject([{ id: minted.id, state: 'active' }]);
    expect((await chat(minted.secret, 'test-chat')).status).toBe(200);
    expect((await events(b.orgId)).map((e) => e.action)).toEqual(['ai.policy.set']);
  });
});

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDatabase, type Database } from '../../db/database';
import { mintServiceCredential } from '../../db/repositories/service-credentials';
import { createSessionWithParticipants } from '../../db/repositories/sessions';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { createBudgetLedger, setBudget, type BudgetInput } from '../budget-ledger';
import type { OrgPolicySettings, PolicyEngine } from '../gateway-contracts';
import { loadPolicyEngine } from '../policy/opa-policy';
import { loadTestAccessEngine } from '../../testing/test-access';
import { OrgPolicySettingsSchema, type OrgPolicySettingsInput } from '../policy/org-policy-settings';
import { ensurePolicyBundle } from '../policy/policy-build';
import { setOrgPolicySettings } from '../../db/repositories/org-policy-settings';
import { defaultDataDir } from '../../paths';
import { listGatewayAudit, verifyGatewayAuditChain, type GatewayAuditRecord } from '../gateway-audit';
import { createIdempotencyStore } from '../idempotency-store';
import { createPriceTable } from '../price-table';
import { parseProvidersConfig } from '../providers/provider-config';
import { createOpenAiProvider } from '../providers/openai-provider';
import { createProviderRouter } from '../providers/provider-router';
import { createGatewayServer, type GatewayDeps, type GatewayServer } from './gateway-server';
import { logTo } from '../../runtime/log';

/**
 * A gateway on real PostgreSQL with the real OPA policy, in front of local upstreams that record
 * what they receive (test use only). Prices: 1 micro-USD per prompt token, 2 per completion token; 6000 micro-USD per
 * minute of audio.
 */
export const PRICES = createPriceTable('2026-11', [
  { provider: 'openai-compatible', model: 'test-model', kind: 'chat', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 2_000_000 },
  { provider: 'openai-compatible', model: 'test-whisper', kind: 'stt', microsPerMinute: 6000 },
]);

/**
 * The org overrides every harness org gets, merged by the real Rego over resources/policies/data.json:
 * the test routes are the allowed models, rubric_analysis answers at most 1000 tokens, and audio
 * (which cannot be redacted) may go to the test upstream for transcription. Everything else is the
 * shipped default: PERSON restored, redaction required for non-local providers, regions local/eu/us.
 */
export const TEST_ORG_POLICY: OrgPolicySettingsInput = {
  purposes: {
    rubric_analysis: { models: ['test-chat'], max_tokens: 1000 },
    transcription: { models: ['test-stt'], allow_unredacted: true },
  },
};

/** The real policy engine: the OPA wasm bundle built from resources/policies (built here if missing). */
export async function loadTestPolicyEngine(): Promise<PolicyEngine> {
  const bundle = await ensurePolicyBundle({ dataDir: defaultDataDir, pathEnv: process.env.PATH ?? '' });
  return loadPolicyEngine({ bundleDir: bundle.bundleDir });
}

export interface RecordedCall {
  path: string;
  headers: IncomingMessage['headers'];
  /** Raw body text (JSON or multipart). */
  text: string;
}

export interface ScriptedUpstream {
  baseURL: string;
  calls: RecordedCall[];
  /** Answers with an OpenAI body, an SSE event list (`sse`), or an HTTP status. */
  respond: (call: RecordedCall) => { status?: number; json?: unknown; sse?: unknown[] };
  close(): Promise<void>;
}

/**
 * A recording OpenAI-compatible upstream that can also stream (server-sent events), which
 * backend/src/testing/openai-test-server.ts does not do.
 */
export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const up: ScriptedUpstream = {
    baseURL: '',
    calls: [],
    respond: () => ({ status: 500, json: { error: { message: 'no script' } } }),
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = { path: new URL(req.url ?? '/', 'http://x').pathname, headers: req.headers, text: Buffer.concat(chunks).toString('utf8') };
      up.calls.push(call);
      const a = up.respond(call);
      if (a.sse) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const e of a.sse) res.write(`data: ${JSON.stringify(e)}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.json ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  up.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return up;
}

export function chatAnswer(content: string, usage: { prompt: number; completion: number } = { prompt: 20, completion: 10 }) {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: 1,
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion },
  };
}

export interface GatewayHarness {
  t: TestDatabase;
  /** A pool big enough for hundreds of concurrent calls. */
  db: Database;
  upstream: ScriptedUpstream;
  gateway: GatewayServer;
  baseURL: string;
  logs: Array<{ level: string; msg: string; data?: Record<string, unknown> }>;
  /** The real OPA engine the gateway runs. */
  policy: PolicyEngine;
  /** A new org with a service credential and the policy overrides TEST_ORG_POLICY (or `policy`). */
  org(opts?: { purposes?: string[]; policy?: OrgPolicySettingsInput }): Promise<{ orgId: string; userId: string; secret: string; credentialId: string }>;
  budget(orgId: string, b: BudgetInput): Promise<void>;
  session(orgId: string, createdBy: string, names: [string, string]): Promise<string>;
  audit(orgId: string): Promise<GatewayAuditRecord[]>;
  verify(orgId: string): ReturnType<typeof verifyGatewayAuditChain>;
  close(): Promise<void>;
}

export async function startGatewayHarness(
  opts: { requestsPerMinutePerOrg?: number; maxBodyBytes?: number; maxAudioBytes?: number; onCallStages?: GatewayDeps['onCallStages']; tls?: GatewayDeps['tls']; metrics?: GatewayDeps['metrics']; ops?: GatewayDeps['ops'] } = {},
): Promise<GatewayHarness> {
  const policy = await loadTestPolicyEngine();
  const t = await createTestDatabase();
  const db = createDatabase(t.url, { max: 16, keys: t.keys, auditHeads: t.auditHeads });
  const upstream = await startScriptedUpstream();
  const config = parseProvidersConfig({
    providers: [{ id: 'upstream-eu', kind: 'openai-compatible', baseUrl: upstream.baseURL, region: 'eu', timeoutMs: 10_000, maxRetries: 2 }],
    models: [
      { model: 'test-chat', kind: 'chat', targets: [{ provider: 'upstream-eu', upstreamModel: 'test-model' }] },
      { model: 'secret-model', kind: 'chat', targets: [{ provider: 'upstream-eu', upstreamModel: 'test-model' }] },
      { model: 'test-stt', kind: 'stt', targets: [{ provider: 'upstream-eu', upstreamModel: 'test-whisper' }] },
    ],
  });
  const router = createProviderRouter({
    config,
    providers: (cfg) => createOpenAiProvider({ id: cfg.id, kind: 'openai-compatible', region: cfg.region, baseUrl: cfg.baseUrl! }),
    // Fast retries, and a breaker that the 503 test cannot open for the other tests.
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    breaker: { failures: 10_000 },
  });
  const logs: GatewayHarness['logs'] = [];
  const gateway = createGatewayServer({
    db,
    policy,
    access: await loadTestAccessEngine(),
    router,
    prices: PRICES,
    ledger: createBudgetLedger(db),
    idempotency: createIdempotencyStore(db),
    limits: { requestsPerMinutePerOrg: opts.requestsPerMinutePerOrg ?? 1_000_000, maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024, maxAudioBytes: opts.maxAudioBytes ?? 8 * 1024 * 1024 },
    log: logTo((level, msg, data) => void logs.push({ level, msg, data })),
    onCallStages: opts.onCallStages,
    tls: opts.tls,
    metrics: opts.metrics,
    ops: opts.ops,
  });
  const baseURL = await gateway.listen(0);
  return {
    t,
    db,
    upstream,
    gateway,
    baseURL,
    logs,
    policy,
    async org(o = {}) {
      const s = await seedOrg(db);
      await setOrgPolicySettings(db, s.orgId, OrgPolicySettingsSchema.parse(o.policy ?? TEST_ORG_POLICY) as OrgPolicySettings);
      const m = await mintServiceCredential(db, s.orgId, { name: 'test worker', purposes: o.purposes });
      return { ...s, secret: m.secret, credentialId: m.id };
    },
    async budget(orgId, b) {
      await db.withOrg(orgId, (tx) => setBudget(tx, b));
    },
    async session(orgId, createdBy, names) {
      const s = await db.withOrg(orgId, (tx) =>
        createSessionWithParticipants(tx, {
          title: 'Follow-up',
          rubricId: 'mi-basic',
          createdBy,
          participants: [
            { channel: 0, displayName: names[0], roleLabel: 'clinician' },
            { channel: 1, displayName: names[1], roleLabel: 'patient' },
          ],
        }),
      );
      return s.id;
    },
    audit: (orgId) => db.withOrg(orgId, (tx) => listGatewayAudit(tx, { limit: 10_000 })),
    verify: (orgId) => db.withOrg(orgId, (tx) => verifyGatewayAuditChain(tx)),
    async close() {
      await gateway.close();
      await router.close();
      await upstream.close();
      await db.close();
      await t.drop();
    },
  };
}

/** POST a chat completion to the gateway as an org. */
export function postChat(baseURL: string, secret: string | null, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}), 'x-fe-purpose': 'rubric_analysis', ...headers },
    body: JSON.stringify(body),
  });
}

// `npm run bench:gateway [-- --ephemeral] [--seconds 2]`: latency the AI governance gateway adds to a
// chat completion, against a local upstream that answers at once, measured in the same run as calls
// straight to that upstream (phases alternate); throughput; and budget overshoot under 500
// concurrent requests. Everything is real: embedded PostgreSQL (durable unless --ephemeral), the
// migrations, the OPA wasm policy, the provider router, ledger, price table and redaction.
// Writes bench/results/gateway.json. Figures are measured here, never asserted in tests.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase, type Database } from '../backend/src/db/database';
import { migrate } from '../backend/src/db/migrate';
import { setOrgPolicySettings } from '../backend/src/db/repositories/org-policy-settings';
import { mintServiceCredential } from '../backend/src/db/repositories/service-credentials';
import { createSessionWithParticipants } from '../backend/src/db/repositories/sessions';
import { createBudgetLedger, setBudget } from '../backend/src/gateway/budget-ledger';
import { createIdempotencyStore } from '../backend/src/gateway/idempotency-store';
import { loadPolicyEngine } from '../backend/src/gateway/policy/opa-policy';
import { loadAccessEngine } from '../backend/src/access/access-policy';
import { ensurePolicyBundle } from '../backend/src/gateway/policy/policy-build';
import { loadPriceTable } from '../backend/src/gateway/price-table';
import { parseProvidersConfig } from '../backend/src/gateway/providers/provider-config';
import { createProvider } from '../backend/src/gateway/providers/provider-factory';
import { createProviderRouter } from '../backend/src/gateway/providers/provider-router';
import type { CallStageTimes } from '../backend/src/gateway/service/call-stages';
import { createGatewayServer } from '../backend/src/gateway/service/gateway-server';
import { estimatePromptTokens } from '../backend/src/gateway/service/prompt-tokens';
import { defaultDataDir, repoRoot } from '../backend/src/paths';
import { startEmbeddedPostgres } from '../backend/src/runtime/embedded-postgres';
import { seedOrg } from '../backend/src/testing/test-orgs';
import { logTo } from '../backend/src/runtime/log';

const { values: args } = parseArgs({ options: { ephemeral: { type: 'boolean', default: false }, seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' } } });
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const LEVELS = [1, 50, 200];
const MODEL = 'gpt-4o-mini';
const MAX_TOKENS = 64;
const MESSAGES = [
  { role: 'system', content: 'You review a counselling session between the clinician and the patient.' },
  { role: 'user', content: 'Daniel Reyes said Dr. Maya Okafor can reach him on 07700 900123. Rate the open questions in this excerpt.' },
];
const log = (m: string) => console.error(`[bench:gateway] ${m}`);

// ───────────── the upstream: answers every chat completion at once ─────────────
let upstreamUsage = { prompt_tokens: 40, completion_tokens: 8 };
let upstreamCalls = 0;
const ANSWER_CONTENT = '[PERSON_1] asked two open questions.';
const upstream = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    upstreamCalls += 1;
    const body = JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: 1,
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: ANSWER_CONTENT }, finish_reason: 'stop' }],
      usage: { ...upstreamUsage, total_tokens: upstreamUsage.prompt_tokens + upstreamUsage.completion_tokens },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

// ───────────── the client: keep-alive, one socket per concurrent worker ─────────────
const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });

function post(url: URL, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Target {
  name: 'direct' | 'gateway';
  call: () => Promise<number>;
}

/** `concurrency` workers call back to back for `seconds`; latencies in ms of the calls that finished in time. */
async function phase(t: Target, concurrency: number, seconds: number): Promise<{ latencies: number[]; durationSec: number; errors: number; cpuMs: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        const status = await t.call();
        if (status === 200) latencies.push(performance.now() - t0);
        else errors += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { latencies, durationSec: (performance.now() - started) / 1000, errors, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

/** p50/p99 of each stage over the calls of one level. */
function stageSummary(samples: CallStageTimes[]): Record<string, { p50: number; p99: number }> {
  const names = [...new Set(samples.flatMap((s) => s.map(([n]) => n)))];
  return Object.fromEntries(
    names.map((n) => {
      const xs = samples.map((s) => s.find(([k]) => k === n)?.[1]).filter((x): x is number => x !== undefined);
      return [n, { p50: r2(pct(xs, 0.5)), p99: r2(pct(xs, 0.99)) }];
    }),
  );
}

async function main() {
  const load0 = os.loadavg();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-bench-gateway-'));
  let stopping = false;
  // Connections cut at shutdown are logged as FATAL by the server: expected then, not news.
  const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), ephemeral: args.ephemeral, log: (m) => stopping || log(m) });
  let db: Database | undefined;
  try {
    await migrate(pg.url);
    db = createDatabase(pg.url, { max: 20, applicationName: 'bench-gateway' });
    const bundle = await ensurePolicyBundle({ dataDir: defaultDataDir, pathEnv: process.env.PATH ?? '', onProgress: log });
    const policy = await loadPolicyEngine({ bundleDir: bundle.bundleDir });
    const access = await loadAccessEngine({ bundleDir: bundle.bundleDir });
    const upstreamPort = await listen(upstream);
    const upstreamBase = `http://127.0.0.1:${upstreamPort}/v1`;
    const providers = parseProvidersConfig({
      providers: [{ id: 'bench-openai', kind: 'openai', baseUrl: upstreamBase, region: 'eu', timeoutMs: 10_000, maxRetries: 2 }],
      models: [{ model: MODEL, kind: 'chat', targets: [{ provider: 'bench-openai', upstreamModel: MODEL }] }],
    });
    const router = createProviderRouter({ config: providers, providers: (cfg) => createProvider(cfg, { apiKey: 'sk-bench-not-a-real-key' }) });
    const prices = loadPriceTable();
    let stageSamples: CallStageTimes[] = [];
    let recordStages = false;
    const gateway = createGatewayServer({
      db,
      policy,
      access,
      router,
      prices,
      ledger: createBudgetLedger(db),
      idempotency: createIdempotencyStore(db),
      limits: { requestsPerMinutePerOrg: 100_000_000, maxBodyBytes: 1024 * 1024, maxAudioBytes: 1024 * 1024 },
      log: logTo((level, msg, data) => {
        if (level === 'error') log(`gateway: ${msg} ${JSON.stringify(data)}`);
      }),
      onCallStages: (_p, stages) => {
        if (recordStages) stageSamples.push(stages);
      },
    });
    const gatewayBase = await gateway.listen(0);
    log(`policy ${policy.version}, prices ${prices.version}, postgres ${args.ephemeral ? 'ephemeral (fsync off)' : 'durable (fsync on)'}`);

    // One org as a deployment has it: org and purpose budgets, a session whose names are redacted.
    async function benchOrg(budgets: Array<Parameters<typeof setBudget>[1]>) {
      const s = await seedOrg(db!);
      await setOrgPolicySettings(db!, s.orgId, { purposes: { rubric_analysis: { models: [MODEL], max_tokens: 4096 } } });
      for (const b of budgets) await db!.withOrg(s.orgId, (tx) => setBudget(tx, b));
      const session = await db!.withOrg(s.orgId, (tx) =>
        createSessionWithParticipants(tx, {
          title: 'Bench',
          rubricId: 'mi-basic',
          createdBy: s.userId,
          participants: [
            { channel: 0, displayName: 'Dr. Maya Okafor', roleLabel: 'clinician' },
            { channel: 1, displayName: 'Daniel Reyes', roleLabel: 'patient' },
          ],
        }),
      );
      const cred = await mintServiceCredential(db!, s.orgId, { name: 'bench worker' });
      return { ...s, sessionId: session.id, secret: cred.secret };
    }

    const org = await benchOrg([
      { scope: 'org', period: 'month', capMicros: 1e12 },
      { scope: 'purpose', scopeKey: 'rubric_analysis', period: 'day', capMicros: 1e12 },
    ]);
    const chatBody = JSON.stringify({ model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS });
    const gatewayUrl = new URL(`${gatewayBase}/chat/completions`);
    const directUrl = new URL(`${upstreamBase}/chat/completions`);
    // As the pipeline calls: purpose, session, user, and an Idempotency-Key per request.
    const gatewayHeaders = (o: typeof org) => () => ({
      authorization: `Bearer ${o.secret}`,
      'x-fe-purpose': 'rubric_analysis',
      'x-fe-session': o.sessionId,
      'x-fe-user': o.userId,
      'idempotency-key': randomUUID(),
    });
    const orgHeaders = gatewayHeaders(org);
    const targets: Record<Target['name'], Target> = {
      direct: { name: 'direct', call: async () => (await post(directUrl, chatBody, { authorization: 'Bearer sk-bench-not-a-real-key' })).status },
      gateway: { name: 'gateway', call: async () => (await post(gatewayUrl, chatBody, orgHeaders())).status },
    };

    const check = await post(gatewayUrl, chatBody, orgHeaders());
    if (check.status !== 200) throw new Error(`the gateway refused the bench call: ${check.status} ${check.text}`);

    // ───────────── latency and throughput, direct and gateway alternating ─────────────
    const levels: Array<Record<string, unknown>> = [];
    for (const c of LEVELS) {
      await phase(targets.direct, c, 0.5);
      await phase(targets.gateway, c, 0.5);
      const acc = { direct: { latencies: [] as number[], sec: 0, errors: 0, cpuMs: 0 }, gateway: { latencies: [] as number[], sec: 0, errors: 0, cpuMs: 0 } };
      stageSamples = [];
      recordStages = true;
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of round % 2 === 0 ? (['direct', 'gateway'] as const) : (['gateway', 'direct'] as const)) {
          const r = await phase(targets[name], c, SECONDS);
          acc[name].latencies.push(...r.latencies);
          acc[name].sec += r.durationSec;
          acc[name].errors += r.errors;
          acc[name].cpuMs += r.cpuMs;
        }
      }
      recordStages = false;
      const summary = (x: typeof acc.direct) => ({
        requests: x.latencies.length,
        errors: x.errors,
        rps: r2(x.latencies.length / x.sec),
        // Client, gateway and upstream share this process: its CPU per request, PostgreSQL's not included.
        processCpuMsPerRequest: r2(x.cpuMs / Math.max(1, x.latencies.length)),
        p50: r2(pct(x.latencies, 0.5)),
        p90: r2(pct(x.latencies, 0.9)),
        p99: r2(pct(x.latencies, 0.99)),
      });
      const stages = stageSummary(stageSamples);
      const d = summary(acc.direct);
      const g = summary(acc.gateway);
      const added = { p50: r2(g.p50 - d.p50), p90: r2(g.p90 - d.p90), p99: r2(g.p99 - d.p99) };
      // Both phases pay the client and the upstream once per request: the difference is the gateway's own CPU.
      const addedCpu = r2(g.processCpuMsPerRequest - d.processCpuMsPerRequest);
      levels.push({ concurrency: c, direct: d, gateway: g, addedMs: added, addedCpuMsPerRequest: addedCpu, gatewayStagesMs: stages, loadAvg1m: r2(os.loadavg()[0]!) });
      log(`c=${c} stages p50: ${Object.entries(stages).map(([k, v]) => `${k} ${v.p50}`).join(', ')}`);
      log(`c=${c}: direct p50 ${d.p50} p99 ${d.p99} ms (${d.rps}/s); gateway p50 ${g.p50} p99 ${g.p99} ms (${g.rps}/s, ${g.errors} errors); added p50 ${added.p50} p90 ${added.p90} p99 ${added.p99} ms, CPU ${addedCpu} ms per call`);
    }

    // ───────────── budget: 500 concurrent calls against a cap that allows exactly N ─────────────
    // The upstream bills exactly the worst case, so no settlement frees room for an extra call.
    const promptTokens = estimatePromptTokens(MESSAGES as Parameters<typeof estimatePromptTokens>[0]);
    upstreamUsage = { prompt_tokens: promptTokens, completion_tokens: MAX_TOKENS };
    const probe = await benchOrg([]);
    const probeRes = await post(gatewayUrl, chatBody, gatewayHeaders(probe)());
    if (probeRes.status !== 200) throw new Error(`probe call failed: ${probeRes.status} ${probeRes.text}`);
    const worst = Number((await db.withOrg(probe.orgId, (tx) => tx.query<{ r: string }>('SELECT reserved_micros AS r FROM ai_reservations'))).rows[0]!.r);
    const N = 137;
    const cap = N * worst + worst - 1;
    const capped = await benchOrg([{ scope: 'org', period: 'month', capMicros: cap }]);
    const cappedHeaders = gatewayHeaders(capped);
    const before = upstreamCalls;
    const t0 = performance.now();
    const statuses = await Promise.all(Array.from({ length: 500 }, async () => (await post(gatewayUrl, chatBody, cappedHeaders())).status));
    const budgetMs = performance.now() - t0;
    const counter = (await db.withOrg(capped.orgId, (tx) => tx.query<{ reserved: string; settled: string }>('SELECT reserved_micros AS reserved, settled_micros AS settled FROM ai_budget_counters'))).rows[0]!;
    const used = Number(counter.reserved) + Number(counter.settled);
    const budget = {
      requests: 500,
      worstCaseMicrosPerCall: worst,
      capMicros: cap,
      allowedN: N,
      succeeded: statuses.filter((s) => s === 200).length,
      refused402: statuses.filter((s) => s === 402).length,
      otherStatuses: statuses.filter((s) => s !== 200 && s !== 402).length,
      upstreamCalls: upstreamCalls - before,
      usedMicros: used,
      overshootMicros: Math.max(0, used - cap),
      wallMs: Math.round(budgetMs),
    };
    log(`budget: ${budget.succeeded} of 500 passed a cap for N=${N}, ${budget.refused402} got 402, overshoot ${budget.overshootMicros} micro-USD, ${budget.wallMs} ms`);

    const result = {
      benchmark: 'gateway',
      measuredAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: r2(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}`, node: process.version },
      loadAvgAtStart: load0.map(r2),
      loadAvgAtEnd: os.loadavg().map(r2),
      postgres: args.ephemeral ? 'embedded 18, ephemeral (fsync off)' : 'embedded 18, durable (fsync on)',
      policyVersion: policy.version,
      priceTable: prices.version,
      call: { model: MODEL, maxTokens: MAX_TOKENS, headers: 'purpose, session (2 participants redacted), user, unique Idempotency-Key', budgets: 'org month + purpose day' },
      method: `closed loop, keep-alive node:http clients; per level ${ROUNDS} rounds of direct and gateway phases alternating, ${SECONDS} s each, after 0.5 s warm-up each`,
      levels,
      budget,
    };
    const out = path.join(repoRoot, 'bench', 'results', 'gateway.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nGateway benchmark (${result.postgres}; load ${result.loadAvgAtStart.join(' ')} → ${result.loadAvgAtEnd.join(' ')}; ${result.machine.cpus} CPUs)`);
    console.log('concurrency | direct p50/p99 ms | gateway p50/p99 ms | added p50/p99 ms | direct rps | gateway rps | gateway CPU ms/call');
    for (const l of levels as Array<{ concurrency: number; direct: { p50: number; p99: number; rps: number }; gateway: { p50: number; p99: number; rps: number }; addedMs: { p50: number; p99: number }; addedCpuMsPerRequest: number }>) {
      console.log(`${String(l.concurrency).padStart(11)} | ${`${l.direct.p50} / ${l.direct.p99}`.padStart(17)} | ${`${l.gateway.p50} / ${l.gateway.p99}`.padStart(18)} | ${`${l.addedMs.p50} / ${l.addedMs.p99}`.padStart(16)} | ${String(l.direct.rps).padStart(10)} | ${String(l.gateway.rps).padStart(11)} | ${String(l.addedCpuMsPerRequest).padStart(19)}`);
    }
    for (const l of levels as Array<{ concurrency: number; gatewayStagesMs: Record<string, { p50: number }> }>) {
      console.log(`gateway stages at c=${l.concurrency} (p50 ms): ${Object.entries(l.gatewayStagesMs).map(([k, v]) => `${k} ${v.p50}`).join(', ')}`);
    }
    console.log(`budget: cap for exactly ${N}: ${budget.succeeded} succeeded, ${budget.refused402} × 402, overshoot ${budget.overshootMicros} micro-USD`);
    console.log(`written ${path.relative(repoRoot, out)}`);
    await gateway.close();
    await router.close();
  } finally {
    agent.destroy();
    upstream.close();
    upstream.closeAllConnections();
    await db?.close();
    stopping = true;
    await pg.stop();
    rmSync(pg.clusterDir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();

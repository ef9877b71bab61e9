import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../../../app/contracts/errors';
import type { Database } from '../../db/database';
import type { Log } from '../../runtime/log';
import type { Metrics } from '../../ops/metrics';
import type { BudgetLedger, SoftAlert } from '../budget-ledger';
import type { CallKind, ModelRoute, PolicyDecision, PolicyEngine, ProviderRouter } from '../gateway-contracts';
import { appendGatewayAudit, type NewGatewayAuditRecord } from '../gateway-audit';
import { requestSha256, type IdempotencyStore } from '../idempotency-store';
import type { PriceTable } from '../price-table';
import type { Caller, CallerAuthenticator } from './caller-auth';
import type { CallHeaders } from './call-headers';
import type { OrgCallContext, OrgCallContextLoader } from './org-call-context';
import type { OrgRateLimiter } from './org-rate-limiter';
import { decideTargets, type Target } from './policy-gate';
import type { CallStages, CallStageTimes } from './call-stages';
import type { CallLedger } from './call-ledger';
import type { CallUserChecker } from './call-user';
import type { AccessEngine } from '../../access/access-policy';
import type { ServerTls } from '../../transport/tls-server';

export interface GatewayLimits {
  requestsPerMinutePerOrg: number;
  /** Largest JSON body (chat). */
  maxBodyBytes: number;
  /** Largest uploaded audio file (transcriptions). */
  maxAudioBytes: number;
}

export interface GatewayDeps {
  db: Database;
  policy: PolicyEngine;
  /** The access policy: X-FE-User must be a member of the caller's org allowed gateway.call (docs/decisions/013). */
  access: AccessEngine;
  router: ProviderRouter;
  prices: PriceTable;
  ledger: BudgetLedger;
  idempotency: IdempotencyStore;
  limits: GatewayLimits;
  log: Log;
  /** How long live credentials and org policy settings are remembered; default 1000 ms each. */
  cacheMs?: { credentials?: number; orgSettings?: number };
  /** Profiling: receives the time each stage of a call took (nothing is measured without it). */
  onCallStages?: (path: string, stages: CallStageTimes) => void;
  /** Certificate and key (FE_GATEWAY_TLS_*): HTTPS, TLS 1.3 only. Plain HTTP when not given. */
  tls?: ServerTls;
  /** /healthz, /readyz, /metrics (ops/ops-endpoints.ts); answers true when it took the request. */
  ops?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Metrics (ops/metrics.ts): every HTTP answer and every call recorded in the audit trail. */
  metrics?: Pick<Metrics, 'observeHttp' | 'gatewayCall'>;
}

/** The deps plus the parts the server builds once. */
export interface GatewayRuntime extends GatewayDeps {
  auth: CallerAuthenticator;
  orgContext: OrgCallContextLoader;
  calls: CallLedger;
  rateLimiter: OrgRateLimiter;
  users: CallUserChecker;
}

/** A call that passed authentication, validation and the policy: everything its audit record needs. */
export interface Admission {
  started: number;
  caller: Caller;
  headers: CallHeaders;
  kind: CallKind;
  model: string;
  ctx: OrgCallContext;
  route: ModelRoute;
  allowed: Target[];
  decision: PolicyDecision;
}

/** What a completed call stored under its Idempotency-Key, replayed as is. */
export interface StoredAnswer {
  kind: 'json' | 'sse' | 'text';
  body: unknown;
  headers: Record<string, string>;
}

type AuditFields = Partial<Omit<NewGatewayAuditRecord, 'purpose' | 'model' | 'latencyMs' | 'userId' | 'sessionId'>>;

/** Every call admitted to the policy decision leaves exactly one record, whatever its outcome. */
export async function auditCall(rt: GatewayRuntime, a: Pick<Admission, 'started' | 'caller' | 'headers' | 'model'>, f: AuditFields & { policyDecision: 'allow' | 'deny'; policyVersion: string }): Promise<void> {
  try {
    await rt.db.withOrg(a.caller.orgId, (tx) =>
      appendGatewayAudit(tx, {
        provider: 'none',
        promptSha256: null,
        responseSha256: null,
        ...f,
        userId: a.headers.userId,
        sessionId: a.headers.sessionId,
        purpose: a.headers.purpose,
        model: a.model,
        latencyMs: Math.max(0, Math.round(performance.now() - a.started)),
      }),
    );
    rt.metrics?.gatewayCall({ provider: 'none', ...f, model: a.model });
  } catch (e) {
    // The answer is already decided (and possibly paid for): a lost record is an operator alarm, not the caller's error.
    rt.log.error('gateway audit append failed', { orgId: a.caller.orgId, err: (e as Error).message });
  }
}

/** Route, org context, policy per candidate target, then the org's rate limit. */
export async function admit(
  rt: GatewayRuntime,
  q: { started: number; caller: Caller; headers: CallHeaders; kind: CallKind; model: string; maxTokens: number | null; stages?: CallStages },
): Promise<Admission> {
  const route = rt.router.route(q.model);
  if (!route || route.kind !== q.kind) throw new AppError('model.not_found', `No ${q.kind === 'chat' ? 'chat' : 'transcription'} model ${JSON.stringify(q.model)} (GET /v1/models lists them)`, { status: 404, details: { model: q.model } });
  const ctx = await rt.orgContext.load(q.caller.orgId, q.headers.sessionId);
  // The real user's role, not 'service', once X-FE-User proves to be a member allowed to call.
  const role = await rt.users.roleFor(q.caller.orgId, q.headers.userId, q.headers.sessionId);
  q.stages?.mark('context');
  const gate = decideTargets(rt.policy, rt.router, { orgId: q.caller.orgId, role, purpose: q.headers.purpose, kind: q.kind, model: q.model, maxTokens: q.maxTokens, settings: ctx.settings }, route.targets);
  const base = { started: q.started, caller: q.caller, headers: q.headers, model: q.model };
  if (!gate.decision) {
    await auditCall(rt, base, { policyDecision: 'deny', policyVersion: rt.policy.version, outcome: 'policy.denied' });
    throw new AppError('policy.denied', `Policy denies ${q.model} for purpose ${q.headers.purpose}: ${gate.reasons.join('; ')}`, { status: 403, details: { reasons: gate.reasons, policyVersion: rt.policy.version } });
  }
  const admission: Admission = { ...base, kind: q.kind, ctx, route, allowed: gate.allowed, decision: gate.decision };
  const limited = rt.rateLimiter.take(q.caller.orgId);
  if (!limited.ok) {
    await auditCall(rt, admission, { policyDecision: 'allow', policyVersion: gate.decision.version, outcome: 'rate.limited' });
    throw new AppError('rate.limited', `Too many requests for this org: retry after ${limited.retryAfterSec} s`, { status: 429, details: { retryAfterSec: limited.retryAfterSec } });
  }
  q.stages?.mark('policy');
  return admission;
}

export type IdempotencyStart = { state: 'none' } | { state: 'owned'; key: string };

export interface Reservation {
  id: string;
  /** Response headers that carry soft budget alerts. */
  headers: Record<string, string>;
}

export type CallStart = { state: 'replay'; answer: StoredAnswer } | { state: 'started'; idem: IdempotencyStart; reservation: Reservation };

/**
 * Claims the Idempotency-Key (if any) for this exact request and reserves the worst case, in one
 * statement. A completed key replays its answer; a key in flight or used for another request is
 * refused (409); a refused reservation gives the key back and answers 402 naming the budget.
 */
export async function beginCall(rt: GatewayRuntime, a: Admission, request: unknown, estimateMicros: number): Promise<CallStart> {
  const key = a.headers.idempotencyKey;
  const requestHash = key === null ? null : requestSha256({ request, purpose: a.headers.purpose, sessionId: a.headers.sessionId, userId: a.headers.userId });
  const r = await rt.calls.begin(a.caller.orgId, {
    idempotency: key === null ? null : { key, requestHash: requestHash! },
    reserve: { userId: a.headers.userId, purpose: a.headers.purpose, model: a.model, estimateMicros },
  });
  const audit = { policyDecision: 'allow' as const, policyVersion: a.decision.version };
  const idem = r.idempotency;
  if (idem.state === 'completed') {
    await auditCall(rt, a, { ...audit, outcome: 'idempotent_replay' });
    return { state: 'replay', answer: idem.response as StoredAnswer };
  }
  if (idem.state === 'conflict' || idem.state === 'in_flight') {
    await auditCall(rt, a, { ...audit, outcome: idem.code });
    throw idem.state === 'conflict'
      ? new AppError('idempotency.conflict', `Idempotency-Key ${key} was used for a different request`, { status: 409 })
      : new AppError('idempotency.in_flight', `A request with Idempotency-Key ${key} is still running: retry later`, { status: 409 });
  }
  const res = r.reservation!;
  if (!res.ok) {
    await auditCall(rt, a, { ...audit, outcome: 'budget.exceeded' });
    const b = res.budget;
    throw new AppError('budget.exceeded', `The ${b.scope} budget${b.scopeKey ? ` ${b.scopeKey}` : ''} (${b.period}) cannot cover this call: ${b.usedMicros} of ${b.capMicros} micro-USD used, ${b.requestedMicros} needed`, {
      status: 402,
      details: { budget: b },
    });
  }
  return { state: 'started', idem: key === null ? { state: 'none' } : { state: 'owned', key }, reservation: { id: res.reservationId, headers: alertHeaders(rt, a, res.softAlerts) } };
}

function alertHeaders(rt: GatewayRuntime, a: Admission, alerts: SoftAlert[]): Record<string, string> {
  if (alerts.length === 0) return {};
  for (const s of alerts.filter((x) => x.crossed)) rt.log.warn('budget soft alert crossed', { orgId: a.caller.orgId, scope: s.scope, scopeKey: s.scopeKey, period: s.period, usedMicros: s.usedMicros, capMicros: s.capMicros });
  return { 'x-fe-budget-alert': alerts.map((s) => `${s.scope}${s.scopeKey ? `:${s.scopeKey}` : ''};period=${s.period};used=${s.usedMicros};cap=${s.capMicros}`).join(', ') };
}

export interface Outcome {
  providerId: string;
  tokensIn: number;
  tokensOut: number;
  audioMs?: number | null;
  costMicros: number;
  redactionCounts: Record<string, number>;
  promptSha256: string | null;
  responseSha256: string | null;
}

/** Settle, store the answer and append the audit record in one statement, before answering. */
export async function finishCall(rt: GatewayRuntime, a: Admission, reservation: Reservation, idem: IdempotencyStart, o: Outcome, answer: StoredAnswer | null, outcome = 'ok'): Promise<void> {
  await endCall(rt, a, reservation, idem, o.costMicros, answer, { ...o, provider: o.providerId, policyDecision: 'allow', policyVersion: a.decision.version, outcome });
}

/** Nothing was delivered: give the reservation and the key back, audit the error code. */
export async function failCall(rt: GatewayRuntime, a: Admission, reservation: Reservation, idem: IdempotencyStart, err: AppError, partial: Partial<Outcome> = {}): Promise<void> {
  await endCall(rt, a, reservation, idem, null, null, { ...partial, provider: partial.providerId ?? 'none', policyDecision: 'allow', policyVersion: a.decision.version, outcome: err.code });
}

async function endCall(rt: GatewayRuntime, a: Admission, reservation: Reservation, idem: IdempotencyStart, actualMicros: number | null, answer: StoredAnswer | null, f: AuditFields & { policyDecision: 'allow'; policyVersion: string }): Promise<void> {
  const orgId = a.caller.orgId;
  const { providerId: _p, ...fields } = f as typeof f & { providerId?: string };
  const audit: NewGatewayAuditRecord = {
    provider: 'none',
    promptSha256: null,
    responseSha256: null,
    ...fields,
    userId: a.headers.userId,
    sessionId: a.headers.sessionId,
    purpose: a.headers.purpose,
    model: a.model,
    latencyMs: Math.max(0, Math.round(performance.now() - a.started)),
  };
  try {
    const r = await rt.calls.finish(orgId, { reservationId: reservation.id, actualMicros, idempotency: idem.state === 'owned' ? { key: idem.key, answer } : null, audit });
    if (r.reservationError) rt.log.error('gateway could not settle a finished call', { orgId, err: r.reservationError.message });
    rt.metrics?.gatewayCall(audit);
    return;
  } catch (e) {
    rt.log.error('gateway finish statement failed; recording the parts one by one', { orgId, err: (e as Error).message });
  }
  // Each part on its own, so one failing part (e.g. the audit) does not keep the others from being recorded.
  const results = await Promise.allSettled([
    actualMicros === null ? rt.ledger.release(orgId, reservation.id) : rt.ledger.settle(orgId, reservation.id, actualMicros),
    idem.state === 'owned' ? (answer ? rt.idempotency.complete(orgId, idem.key, answer) : rt.idempotency.abandon(orgId, idem.key)) : Promise.resolve(),
  ]);
  for (const r of results) if (r.status === 'rejected') rt.log.error('gateway could not record a finished call', { orgId, err: (r.reason as Error).message });
  await auditCall(rt, a, f);
}

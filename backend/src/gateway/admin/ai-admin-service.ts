import { AppError } from '../../../../app/contracts/errors';
import type { AuditExportQuery, AuditPage, AuditQuery, Budget, BudgetInput, ChainCheck, UsageQuery, UsageReport } from '../../../../app/contracts/ai-admin-api';
import type { Role } from '../../../../app/contracts/api';
import type { Database } from '../../db/database';
import { isUuid } from '../../db/database';
import { appendAuditEvent } from '../../db/repositories/audit';
import { deleteBudget, listBudgets, setBudget, usageSummary } from '../budget-ledger';
import type { GatewayAuditRecord } from '../gateway-audit';
import { verifyGatewayAuditChain } from '../gateway-audit';
import { gatewayAuditHeadSeq, queryGatewayAudit, type GatewayAuditFilter } from '../gateway-audit-query';

/** The caller as the routes know it (an Identity); only these fields matter here. */
export interface AdminCaller {
  orgId: string;
  userId: string;
  roles: readonly Role[];
}

export interface AiAdminService {
  listBudgets(who: AdminCaller): Promise<Budget[]>;
  /** Create or update the budget of (scope, scopeKey, period); the change enters the org's audit trail. */
  putBudget(who: AdminCaller, input: BudgetInput): Promise<Budget>;
  /** budget.not_found when the org has no such budget. */
  deleteBudget(who: AdminCaller, budgetId: string): Promise<void>;
  usage(who: AdminCaller, q: UsageQuery): Promise<UsageReport>;
  queryAudit(who: AdminCaller, q: AuditQuery): Promise<AuditPage>;
  /**
   * Every matching record up to the head seq seen when the export began, in batches, each batch
   * read in its own short transaction (a slow download never holds a transaction open).
   */
  exportAudit(who: AdminCaller, q: Omit<AuditExportQuery, 'format'>, batchSize?: number): AsyncGenerator<GatewayAuditRecord[]>;
  verifyAudit(who: AdminCaller): Promise<ChainCheck>;
}

const READERS: readonly Role[] = ['org_admin', 'auditor'];
const WRITERS: readonly Role[] = ['org_admin'];

/** The routes check roles too; checking here keeps the use-cases safe for any other caller. */
function allow(who: AdminCaller, roles: readonly Role[]) {
  if (!who.roles.some((r) => roles.includes(r))) throw new AppError('auth.forbidden', `Your role (${who.roles.join(', ') || 'none'}) may not do this: it needs ${roles.join(' or ')}.`);
}

function instant(name: string, v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new AppError('request.invalid', `${name}: not a date: ${v}`, { status: 400 });
  return d;
}

function range(q: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const from = instant('from', q.from);
  const to = instant('to', q.to);
  if (from && to && from >= to) throw new AppError('request.invalid', `from (${q.from}) must be before to (${q.to})`, { status: 400 });
  return { from, to };
}

function filterOf(q: Omit<AuditExportQuery, 'format'>): GatewayAuditFilter {
  return { ...range(q), purpose: q.purpose, sessionId: q.sessionId, userId: q.userId, outcome: q.outcome, model: q.model };
}

export function createAiAdminService(db: Database): AiAdminService {
  return {
    async listBudgets(who) {
      allow(who, READERS);
      return db.withOrg(who.orgId, (tx) => listBudgets(tx).then((bs) => bs.map(budgetView)));
    },

    async putBudget(who, input) {
      allow(who, WRITERS);
      return db.withOrg(who.orgId, async (tx) => {
        const b = await setBudget(tx, input);
        await appendAuditEvent(tx, { actorUserId: who.userId, action: 'ai.budget.set', targetType: 'ai_budget', targetId: b.id, data: { scope: b.scope, scopeKey: b.scopeKey, period: b.period, capMicros: b.capMicros, softAlertFraction: b.softAlertFraction } });
        const withUsage = (await listBudgets(tx)).find((x) => x.id === b.id);
        if (!withUsage) throw new AppError('internal', `Budget ${b.id} vanished after it was written`);
        return budgetView(withUsage);
      });
    },

    async deleteBudget(who, budgetId) {
      allow(who, WRITERS);
      if (!isUuid(budgetId)) throw new AppError('budget.not_found', `No budget ${budgetId}`);
      await db.withOrg(who.orgId, async (tx) => {
        const before = (await listBudgets(tx)).find((x) => x.id === budgetId);
        if (!before || !(await deleteBudget(tx, budgetId))) throw new AppError('budget.not_found', `No budget ${budgetId}`);
        await appendAuditEvent(tx, { actorUserId: who.userId, action: 'ai.budget.deleted', targetType: 'ai_budget', targetId: budgetId, data: { scope: before.scope, scopeKey: before.scopeKey, period: before.period, capMicros: before.capMicros } });
      });
    },

    async usage(who, q) {
      allow(who, READERS);
      const rows = await db.withOrg(who.orgId, (tx) => usageSummary(tx, { period: q.period, groupBy: q.groupBy, ...range(q) }));
      return { period: q.period, groupBy: q.groupBy, rows };
    },

    async queryAudit(who, q) {
      allow(who, READERS);
      const filter = filterOf(q);
      // One extra row tells whether another page exists without a count query.
      const rows = await db.withOrg(who.orgId, (tx) => queryGatewayAudit(tx, filter, { afterSeq: q.afterSeq, limit: q.limit + 1 }));
      const records = rows.slice(0, q.limit);
      return { records, nextAfterSeq: rows.length > q.limit ? records[records.length - 1]!.seq : null };
    },

    async *exportAudit(who, q, batchSize = 500) {
      allow(who, READERS);
      const filter = filterOf(q);
      const head = await db.withOrg(who.orgId, (tx) => gatewayAuditHeadSeq(tx));
      let after = q.afterSeq ?? 0;
      while (after < head) {
        const batch = await db.withOrg(who.orgId, (tx) => queryGatewayAudit(tx, filter, { afterSeq: after, upToSeq: head, limit: batchSize }));
        if (batch.length === 0) return;
        yield batch;
        after = batch[batch.length - 1]!.seq;
      }
    },

    async verifyAudit(who) {
      allow(who, READERS);
      return db.withOrg(who.orgId, (tx) => verifyGatewayAuditChain(tx));
    },
  };
}

function budgetView(b: Awaited<ReturnType<typeof listBudgets>>[number]): Budget {
  return { id: b.id, scope: b.scope, scopeKey: b.scopeKey, period: b.period, capMicros: b.capMicros, softAlertFraction: b.softAlertFraction, periodStart: b.periodStart, reservedMicros: b.reservedMicros, settledMicros: b.settledMicros };
}

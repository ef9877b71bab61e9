import { z } from 'zod';
import { anyText, lineText } from './text';

/**
 * Admin API of the AI governance gateway (`/v1/admin/ai`): budgets, usage, the gateway audit trail
 * and its chain check. org_admin may do everything, auditor may only read. Money is integer
 * micro-USD throughout; query strings arrive as text, hence the coercions.
 */

const Uuid = z.string().uuid();
const Micros = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** An instant (ISO 8601 with Z or an offset) or a UTC date YYYY-MM-DD (its midnight). */
const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).describe('ISO 8601 instant, or a date YYYY-MM-DD meaning 00:00 UTC');

export const BudgetScope = z.enum(['org', 'user', 'purpose']);
export const BudgetPeriod = z.enum(['day', 'month']);

export const BudgetInput = z
  .strictObject({
    scope: BudgetScope,
    /** '' or absent for the org scope, the user id for 'user', the purpose name for 'purpose'. */
    scopeKey: lineText().max(200).optional(),
    period: BudgetPeriod,
    capMicros: Micros.describe('Hard cap in micro-USD per period'),
    // Stored as numeric(5,4): anything below 0.0001 would round to 0 and break the column's CHECK (> 0).
    softAlertFraction: z.number().gte(0.0001).lte(1).optional().describe('Soft alert once usage reaches this fraction of the cap (default 0.8; at least 0.0001, the stored precision)'),
  })
  .superRefine((b, ctx) => {
    const key = b.scopeKey ?? '';
    if (b.scope === 'org' && key !== '') ctx.addIssue({ code: 'custom', path: ['scopeKey'], message: 'an org budget has no scopeKey' });
    if (b.scope !== 'org' && key === '') ctx.addIssue({ code: 'custom', path: ['scopeKey'], message: `a ${b.scope} budget needs a scopeKey` });
    if (b.scope === 'user' && key !== '' && !Uuid.safeParse(key).success) ctx.addIssue({ code: 'custom', path: ['scopeKey'], message: 'a user budget is keyed by the user id (uuid)' });
  })
  .meta({ id: 'AiBudgetInput', description: 'PUT creates the budget of (scope, scopeKey, period) or replaces its cap and alert fraction.' });
export type BudgetInput = z.infer<typeof BudgetInput>;

export const Budget = z
  .object({
    id: Uuid,
    scope: BudgetScope,
    scopeKey: z.string(),
    period: BudgetPeriod,
    capMicros: Micros,
    softAlertFraction: z.number(),
    periodStart: z.string().describe('The current period: UTC day, or first day of the UTC month (YYYY-MM-DD)'),
    reservedMicros: Micros.describe('Open reservations in the current period'),
    settledMicros: Micros.describe('Settled cost in the current period'),
  })
  .meta({ id: 'AiBudget' });
export type Budget = z.infer<typeof Budget>;

export const BudgetList = z.object({ budgets: z.array(Budget) }).meta({ id: 'AiBudgetList' });
export type BudgetList = z.infer<typeof BudgetList>;

export const UsageQuery = z
  .strictObject({
    period: BudgetPeriod.default('day'),
    groupBy: z.enum(['org', 'user', 'purpose', 'model']).default('org'),
    from: Instant.optional().describe('Inclusive lower bound on the reservation time'),
    to: Instant.optional().describe('Exclusive upper bound on the reservation time'),
  })
  .meta({ id: 'AiUsageQuery' });
export type UsageQuery = z.infer<typeof UsageQuery>;

export const UsageRow = z
  .object({
    periodStart: z.string(),
    key: z.string().nullable().describe('The user id, purpose or model; null for groupBy=org (and calls without a user)'),
    requests: z.number().int().nonnegative(),
    settledMicros: Micros,
    openReservedMicros: Micros,
  })
  .meta({ id: 'AiUsageRow' });
export type UsageRow = z.infer<typeof UsageRow>;

export const UsageReport = z
  .object({ period: BudgetPeriod, groupBy: UsageQuery.shape.groupBy.unwrap(), rows: z.array(UsageRow) })
  .meta({ id: 'AiUsageReport' });
export type UsageReport = z.infer<typeof UsageReport>;

export const AuditRecord = z
  .object({
    id: z.string().describe('bigserial as a string'),
    orgId: Uuid,
    seq: z.number().int().positive(),
    userId: Uuid.nullable(),
    purpose: z.string(),
    sessionId: Uuid.nullable(),
    provider: z.string(),
    model: z.string(),
    tokensIn: z.number().int().nonnegative(),
    tokensOut: z.number().int().nonnegative(),
    audioMs: z.number().int().nonnegative().nullable(),
    costMicros: Micros,
    latencyMs: z.number().int().nonnegative(),
    policyDecision: z.enum(['allow', 'deny']),
    policyVersion: z.string(),
    redactionCounts: z.record(z.string(), z.number().int().nonnegative()),
    promptSha256: z.string().nullable(),
    responseSha256: z.string().nullable(),
    outcome: z.string().describe("'ok' or the stable error code the caller received"),
    createdAt: z.string(),
    prevHash: z.string().nullable(),
    hash: z.string(),
  })
  .meta({ id: 'AiAuditRecord' });
export type AuditRecord = z.infer<typeof AuditRecord>;

const auditFilters = {
  from: Instant.optional().describe('Inclusive lower bound on createdAt'),
  to: Instant.optional().describe('Exclusive upper bound on createdAt'),
  purpose: anyText().min(1).max(200).optional(),
  sessionId: Uuid.optional(),
  userId: Uuid.optional(),
  outcome: anyText().min(1).max(200).optional(),
  model: anyText().min(1).max(200).optional(),
  afterSeq: z.coerce.number().int().nonnegative().optional().describe('Keyset cursor: only records with seq greater than this'),
};

export const AUDIT_PAGE_MAX = 1000;

export const AuditQuery = z
  .strictObject({ ...auditFilters, limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(100) })
  .meta({ id: 'AiAuditQuery' });
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPage = z
  .object({
    records: z.array(AuditRecord),
    nextAfterSeq: z.number().int().nullable().describe('Pass as afterSeq for the next page; null when this page is the last'),
  })
  .meta({ id: 'AiAuditPage' });
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditExportQuery = z
  .strictObject({ ...auditFilters, format: z.enum(['csv', 'json']).default('json') })
  .meta({ id: 'AiAuditExportQuery' });
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;

/** Column order of the CSV export (one header row, then one row per record). */
export const AUDIT_CSV_COLUMNS = [
  'id', 'orgId', 'seq', 'createdAt', 'userId', 'purpose', 'sessionId', 'provider', 'model', 'tokensIn', 'tokensOut', 'audioMs', 'costMicros',
  'latencyMs', 'policyDecision', 'policyVersion', 'redactionCounts', 'promptSha256', 'responseSha256', 'outcome', 'prevHash', 'hash',
] as const satisfies readonly (keyof AuditRecord)[];

export const ChainCheck = z
  .discriminatedUnion('ok', [
    z.object({
      ok: z.literal(true),
      count: z.number().int().nonnegative(),
      headHash: z.string().nullable(),
      checkpointSeq: z.number().int().nullable().describe('The seq of the signed head checkpointed outside the database that the trail reaches; null when this deployment keeps none'),
    }),
    z.object({
      ok: z.literal(false),
      count: z.number().int().nonnegative().describe('Records verified before the first broken one'),
      firstBrokenId: z.string().nullable().describe('null when the row is missing (truncated) or the break is the checkpoint itself'),
      firstBrokenSeq: z.number().int(),
      reason: z.enum(['sequence_gap', 'prev_hash_mismatch', 'hash_mismatch', 'truncated', 'checkpoint_mismatch', 'checkpoint_missing', 'checkpoint_invalid']),
    }),
  ])
  .meta({ id: 'AiAuditChainCheck' });
export type ChainCheck = z.infer<typeof ChainCheck>;

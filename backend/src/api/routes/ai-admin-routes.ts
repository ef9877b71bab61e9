import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { stringify } from 'csv-stringify';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  AUDIT_CSV_COLUMNS, AuditExportQuery, AuditRecord, AuditPage, AuditQuery, Budget, BudgetInput, BudgetList, ChainCheck, UsageQuery, UsageReport,
} from '../../../../app/contracts/ai-admin-api';
import { identityOf } from '../auth';
import type { ApiRoute } from '../route-table';
import type { AiAdminService } from '../../gateway/admin/ai-admin-service';
import type { GatewayAuditRecord } from '../../gateway/gateway-audit';

export const AI_ADMIN_PATH = '/admin/ai';

/**
 * `/v1/admin/ai`: budgets, usage, the gateway audit trail (query, export, chain check). Thin: parse
 * with the shared zod schema, call the use-case, send. Every query runs under the caller's org;
 * reading needs ai_admin.read (org_admin, auditor), changing ai_admin.write (org_admin).
 */
export function aiAdminRoutes(admin: AiAdminService): ApiRoute[] {
  const base = AI_ADMIN_PATH;
  const who = (res: Response) => identityOf(res);
  return [
    { method: 'get', path: `${base}/budgets`, resource: 'org', action: 'ai_admin.read', handler: async (_req, res) => {
      res.json({ budgets: await admin.listBudgets(who(res)) } satisfies BudgetList);
    } },
    { method: 'put', path: `${base}/budgets`, resource: 'org', action: 'ai_admin.write', handler: async (req, res) => {
      res.json(await admin.putBudget(who(res), BudgetInput.parse(req.body)));
    } },
    { method: 'delete', path: `${base}/budgets/:id`, resource: 'org', action: 'ai_admin.write', handler: async (req, res) => {
      await admin.deleteBudget(who(res), String(req.params.id));
      res.status(204).end();
    } },
    { method: 'get', path: `${base}/usage`, resource: 'org', action: 'ai_admin.read', handler: async (req, res) => {
      res.json(await admin.usage(who(res), UsageQuery.parse(req.query)));
    } },
    { method: 'get', path: `${base}/audit`, resource: 'org', action: 'ai_admin.read', handler: async (req, res) => {
      res.json(await admin.queryAudit(who(res), AuditQuery.parse(req.query)));
    } },
    { method: 'get', path: `${base}/audit/verify`, resource: 'org', action: 'ai_admin.read', handler: async (_req, res) => {
      res.json(await admin.verifyAudit(who(res)));
    } },
    { method: 'get', path: `${base}/audit/export`, resource: 'org', action: 'ai_admin.read', handler: async (req, res) => exportAudit(admin, req, res) },
  ];
}

async function exportAudit(admin: AiAdminService, req: Request, res: Response) {
  const { format, ...q } = AuditExportQuery.parse(req.query);
  const who = identityOf(res);
  const batches = admin.exportAudit(who, q);
  // The first batch is read before any byte is sent, so a refusal or a database error still
  // becomes a problem+json answer instead of a truncated file.
  const first = await batches.next();
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  res.status(200).set('Content-Disposition', `attachment; filename="ai-audit-${who.orgId}-${stamp}.${format}"`);
  async function* records(): AsyncGenerator<GatewayAuditRecord> {
    if (first.done) return;
    yield* first.value;
    for await (const batch of batches) yield* batch;
  }
  if (format === 'csv') {
    res.type('text/csv; charset=utf-8');
    await send(() => pipeline(Readable.from(records()), stringify({ header: true, columns: [...AUDIT_CSV_COLUMNS] }), res), res);
  } else {
    res.type('application/json; charset=utf-8');
    await send(() => pipeline(Readable.from(jsonArray(records())), res), res);
  }
}

/**
 * A JSON array, not NDJSON: an export cut short by an error mid-stream then fails to parse instead
 * of looking like a complete but shorter trail.
 */
async function* jsonArray(records: AsyncIterable<GatewayAuditRecord>): AsyncGenerator<string> {
  let n = 0;
  for await (const r of records) yield `${n++ === 0 ? '[\n' : ',\n'}${JSON.stringify(r)}`;
  yield n === 0 ? '[]\n' : '\n]\n';
}

/** Headers are gone once bytes flow: a failure can only cut the connection, which pipeline does. */
async function send(run: () => Promise<void>, res: Response) {
  try {
    await run();
  } catch {
    res.destroy();
  }
}

/** The admin paths in the OpenAPI document (called by buildOpenApiDocument). */
/** What buildOpenApiDocument hands every admin path registration. */
export interface AdminOpenApiCommon {
  security: RouteConfig['security'];
  errors: RouteConfig['responses'];
  json: (schema: z.ZodType, description: string) => RouteConfig['responses'][number];
}

export function registerAiAdminOpenApi(reg: OpenAPIRegistry, common: AdminOpenApiCommon) {
  const { security, errors, json } = common;
  const base = `/v1${AI_ADMIN_PATH}`;
  const tags = ['AI admin'];
  const who = 'org_admin or auditor';
  reg.registerPath({ method: 'get', path: `${base}/budgets`, tags, summary: `Budgets of the caller's org with usage in the current period (${who})`, security, responses: { 200: json(BudgetList, 'Budgets'), ...errors } });
  reg.registerPath({ method: 'put', path: `${base}/budgets`, tags, summary: 'Create or update the budget of (scope, scopeKey, period) (org_admin)', security, request: { body: { content: { 'application/json': { schema: BudgetInput } } } }, responses: { 200: json(Budget, 'The budget'), ...errors } });
  reg.registerPath({ method: 'delete', path: `${base}/budgets/{id}`, tags, summary: 'Delete a budget (org_admin); budget.not_found when absent', security, request: { params: z.object({ id: z.string().uuid() }) }, responses: { 204: { description: 'Deleted' }, ...errors } });
  reg.registerPath({ method: 'get', path: `${base}/usage`, tags, summary: `Usage per period, grouped by org, user, purpose or model (${who})`, security, request: { query: UsageQuery }, responses: { 200: json(UsageReport, 'Usage'), ...errors } });
  reg.registerPath({ method: 'get', path: `${base}/audit`, tags, summary: `Gateway audit records, filtered, in seq order; keyset pagination with afterSeq/nextAfterSeq (${who})`, security, request: { query: AuditQuery }, responses: { 200: json(AuditPage, 'One page'), ...errors } });
  reg.registerPath({
    method: 'get',
    path: `${base}/audit/export`,
    tags,
    summary: `Every matching gateway audit record up to the head at the start, streamed as a download (${who})`,
    description: `format=json: one JSON array of AiAuditRecord (an export cut short does not parse). format=csv: RFC 4180, a header row (${AUDIT_CSV_COLUMNS.join(', ')}), null as an empty field, redactionCounts as JSON text.`,
    security,
    request: { query: AuditExportQuery },
    responses: {
      200: { description: 'The export (Content-Disposition: attachment)', content: { 'application/json': { schema: z.array(AuditRecord) }, 'text/csv': { schema: z.string() } } },
      ...errors,
    },
  });
  reg.registerPath({ method: 'get', path: `${base}/audit/verify`, tags, summary: `Walk the org's gateway audit hash chain and name the first broken record (${who})`, security, responses: { 200: json(ChainCheck, 'The chain check'), ...errors } });
}

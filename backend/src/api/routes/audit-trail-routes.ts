import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { AuditTrailPage, AuditTrailRoute } from '../../../../app/contracts/audit-trail-api';
import type { Database } from '../../db/database';
import { listAuditEvents } from '../../db/repositories/audit';
import type { ApiRoute } from '../route-table';

/** The session audit trail for those who audit (audit.read: org admin, auditor); thin over the repository. */
export function auditTrailRoutes(db: Database): ApiRoute[] {
  const { method, path } = AuditTrailRoute;
  return [
    {
      method, path, resource: 'org', action: 'audit.read',
      handler: async (req, res, ctx) => {
        const q = AuditTrailRoute.query.parse(req.query);
        const limit = q.limit ?? 100;
        const rows = await db.withOrg(ctx!.identity.orgId, (tx) => listAuditEvents(tx, { afterSeq: q.afterSeq ?? 0, limit }));
        const events = rows.map((e) => ({ seq: e.seq, at: e.createdAt, actorUserId: e.actorUserId, action: e.action, targetType: e.targetType, targetId: e.targetId, data: e.data }));
        res.json(AuditTrailPage.parse({ events, nextAfterSeq: events.length === limit ? events[events.length - 1]!.seq : null }));
      },
    },
  ];
}

export function registerAuditTrailOpenApi(reg: OpenAPIRegistry, h: { security: RouteConfig['security']; errors: RouteConfig['responses']; json: (schema: z.ZodType, description: string) => RouteConfig['responses'][number] }) {
  reg.registerPath({
    method: AuditTrailRoute.method,
    path: `/v1${AuditTrailRoute.path}`,
    operationId: AuditTrailRoute.operationId,
    summary: 'The org\'s session audit trail in chain order (access decisions, consents, evaluations, erasures); keyset paging with afterSeq/nextAfterSeq (org_admin or auditor)',
    security: h.security,
    request: { query: AuditTrailRoute.query },
    responses: { 200: h.json(AuditTrailPage, 'One page'), ...h.errors },
  });
}

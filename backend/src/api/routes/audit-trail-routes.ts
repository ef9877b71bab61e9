import { AuditTrailRoute } from '../../../../app/contracts/audit-trail-api';
import type { Database } from '../../db/database';
import { listAuditEvents } from '../../db/repositories/audit';
import type { ApiRoute } from '../route-table';
import { contractRoute } from '../contract-route';

/** The session audit trail for those who audit (audit.read: org admin, auditor); thin over the repository. */
export function auditTrailRoutes(db: Database): ApiRoute[] {
  return [
    contractRoute(AuditTrailRoute, { resource: 'org', action: 'audit.read' }, async ({ query: q }, ctx) => {
      const limit = q.limit ?? 100;
      const rows = await db.withOrg(ctx!.identity.orgId, (tx) => listAuditEvents(tx, { afterSeq: q.afterSeq ?? 0, limit }));
      const events = rows.map((e) => ({ seq: e.seq, at: e.createdAt, actorUserId: e.actorUserId, action: e.action, targetType: e.targetType, targetId: e.targetId, data: e.data }));
      return { status: 200, body: { events, nextAfterSeq: events.length === limit ? events[events.length - 1]!.seq : null } };
    }),
  ];
}

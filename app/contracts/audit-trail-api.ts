import { z } from 'zod';
import type { HttpRouteContract } from './http-route';

/**
 * `GET /v1/audit/events`: the org's session audit trail (access decisions, consents, evaluations,
 * erasures…) in chain order, for the org admin and the auditor (`audit.read`). Keyset paging: pass
 * the answer's `nextAfterSeq` as `afterSeq` until it is null. The trail names sessions and users by
 * id; it carries no transcript, analysis or report content (decision 034).
 */


export const AuditTrailEntry = z.object({
  /** Position in the org's chain, from 1. */
  seq: z.number().int(),
  at: z.string(),
  actorUserId: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type AuditTrailEntry = z.infer<typeof AuditTrailEntry>;

export const AuditTrailPage = z.object({ events: z.array(AuditTrailEntry), nextAfterSeq: z.number().int().nullable() });
export type AuditTrailPage = z.infer<typeof AuditTrailPage>;

export const AuditTrailRoute = {
  operationId: 'listAuditEvents',
  method: 'get',
  /** Under /v1, express syntax. */
  path: '/audit/events',
  auth: 'bearer',
  summary: 'The org\'s session audit trail in chain order (access decisions, consents, evaluations, erasures); keyset paging with afterSeq/nextAfterSeq (org_admin or auditor)',
  query: z.object({
    afterSeq: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('Entries after this chain position (default 0: from the start)'),
    limit: z.coerce.number().int().min(1).max(500).optional().describe('Entries per page (default 100, at most 500)'),
  }),
  responses: { 200: { description: 'One page', json: AuditTrailPage } },
  errors: {},
} as const satisfies HttpRouteContract;

import type { ConnectionLike } from '@temporalio/client';
import { AppError } from '../../../app/contracts/errors';

/**
 * Where an org's evaluation workflows run (docs/decisions/036): `shared` (decision 002) puts every
 * org in the deployment's namespace; `per-org` gives each org its own, `org-<orgId>`, registered
 * the first time it is needed with the org's retention.
 */
export type NamespaceMode = 'shared' | 'per-org';

export interface NamespacePlan {
  mode: NamespaceMode;
  /** The deployment's namespace (TEMPORAL_NAMESPACE): every workflow in `shared`, the cross-org retention schedule in both. */
  shared: string;
}

export const orgNamespace = (orgId: string) => `org-${orgId}`;

export function namespaceFor(plan: NamespacePlan, orgId: string | undefined): string {
  if (plan.mode === 'shared') return plan.shared;
  if (!orgId) throw new AppError('internal', 'Per-org Temporal namespaces need the org of the workflow.');
  return orgNamespace(orgId);
}

const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

/**
 * Registers `namespace` unless Temporal knows it already; `retentionDays` is how long Temporal keeps
 * a closed workflow's history (at least a day). Safe to call from several processes at once.
 */
export async function ensureNamespace(connection: ConnectionLike, namespace: string, retentionDays: number): Promise<'registered' | 'existed'> {
  const service = connection.workflowService;
  try {
    await service.describeNamespace({ namespace });
    return 'existed';
  } catch (e) {
    if ((e as { code?: number }).code !== NOT_FOUND) throw e;
  }
  try {
    // protobufjs takes a number where the type says Long (seconds fit a double).
    const workflowExecutionRetentionPeriod = { seconds: Math.max(1, Math.round(retentionDays)) * 86_400 } as unknown as { seconds: never };
    await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod, description: "Feedback Evaluation: one org's evaluation workflows" });
    return 'registered';
  } catch (e) {
    if ((e as { code?: number }).code === ALREADY_EXISTS) return 'existed';
    throw e;
  }
}

/**
 * The history retention of an org's namespace: the shortest of its data periods (the history holds
 * only ids and references, but no longer than the data they point at), 30 days when all are kept forever.
 */
export function namespaceRetentionDays(p: { recordingsDays: number; transcriptsDays: number; reportsDays: number }): number {
  const set = [p.recordingsDays, p.transcriptsDays, p.reportsDays].filter((d) => d > 0);
  return set.length ? Math.min(...set) : 30;
}

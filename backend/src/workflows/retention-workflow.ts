import { proxyActivities } from '@temporalio/workflow';
import type { RetentionActivities } from './retention-activities';
import type { RetentionSweepResult } from './retention-types';

const a = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/**
 * One pass of the retention schedule: every org's periods applied as of the workflow's start time
 * (deterministic in workflow code), one activity per org so one org's failure is retried alone.
 */
export async function retentionSweep(): Promise<RetentionSweepResult> {
  const asOf = new Date().toISOString();
  const orgIds = await a.listRetentionOrgs();
  const total: RetentionSweepResult = { asOf, orgs: orgIds.length, recordings: 0, transcripts: 0, analyses: 0, reports: 0 };
  for (const orgId of orgIds) {
    const r = await a.sweepOrgRetention({ orgId, asOf });
    total.recordings += r.recordings;
    total.transcripts += r.transcripts;
    total.analyses += r.analyses;
    total.reports += r.reports;
  }
  return total;
}

import type { RetentionPeriods } from '../db/repositories/retention';

export const RETENTION_SCHEDULE_ID = 'retention-sweep';
/** The workflow's name (retention-workflow.ts): node code names it without importing workflow code, as with EVALUATE_SESSION. */
export const RETENTION_SWEEP = 'retentionSweep';

export interface RetentionSweepResult {
  /** The instant the periods were measured from (the workflow's start). */
  asOf: string;
  orgs: number;
  recordings: number;
  transcripts: number;
  analyses: number;
  reports: number;
}

export interface OrgSweepInput {
  orgId: string;
  asOf: string;
}

export type { RetentionPeriods };

import type { BlobStore } from '../blobs/blob-store';
import type { Database } from '../db/database';
import { listRetentionOrgIds, type RetentionPeriods } from '../db/repositories/retention';
import { sweepOrgRetention, type RetentionSweepOfOrg } from '../sessions/session-erasure';
import type { OrgSweepInput } from './retention-types';

export interface RetentionDeps {
  db: Database;
  blobs: BlobStore;
  /** Deployment defaults (FE_RETENTION_*_DAYS) for orgs without their own periods. */
  defaults: RetentionPeriods;
}

export function createRetentionActivities(deps: RetentionDeps) {
  return {
    async listRetentionOrgs(): Promise<string[]> {
      return deps.db.withoutOrg((tx) => listRetentionOrgIds(tx));
    },
    async sweepOrgRetention(input: OrgSweepInput): Promise<Omit<RetentionSweepOfOrg, 'periods'>> {
      const r = await sweepOrgRetention(deps.db, deps.blobs, input.orgId, new Date(input.asOf), deps.defaults);
      return { orgId: r.orgId, recordings: r.recordings, transcripts: r.transcripts, analyses: r.analyses, reports: r.reports };
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;

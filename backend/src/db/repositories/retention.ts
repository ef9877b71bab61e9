import type { Tx } from '../database';
import { orgOf } from '../database';

/** Days each kind of health data is kept after it was written; 0 keeps it forever. */
export interface RetentionPeriods {
  recordingsDays: number;
  transcriptsDays: number;
  reportsDays: number;
}

/** The org's own periods (null: the deployment default). */
export type OrgRetentionSettings = { [K in keyof RetentionPeriods]: number | null };

export async function getOrgRetentionSettings(tx: Tx): Promise<OrgRetentionSettings> {
  const { rows } = await tx.query<{ recordings_days: number | null; transcripts_days: number | null; reports_days: number | null }>('SELECT recordings_days, transcripts_days, reports_days FROM org_retention');
  const r = rows[0];
  return { recordingsDays: r?.recordings_days ?? null, transcriptsDays: r?.transcripts_days ?? null, reportsDays: r?.reports_days ?? null };
}

export async function setOrgRetentionSettings(tx: Tx, s: OrgRetentionSettings): Promise<void> {
  await tx.query(
    `INSERT INTO org_retention (org_id, recordings_days, transcripts_days, reports_days) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id) DO UPDATE SET recordings_days = EXCLUDED.recordings_days, transcripts_days = EXCLUDED.transcripts_days, reports_days = EXCLUDED.reports_days, updated_at = now()`,
    [orgOf(tx), s.recordingsDays, s.transcriptsDays, s.reportsDays],
  );
}

export async function effectiveRetention(tx: Tx, defaults: RetentionPeriods): Promise<RetentionPeriods> {
  const s = await getOrgRetentionSettings(tx);
  return { recordingsDays: s.recordingsDays ?? defaults.recordingsDays, transcriptsDays: s.transcriptsDays ?? defaults.transcriptsDays, reportsDays: s.reportsDays ?? defaults.reportsDays };
}

/** Every org's id (the retention sweep's one cross-org read, through retention_org_ids()). */
export async function listRetentionOrgIds(tx: Tx): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>('SELECT retention_org_ids() AS id');
  return rows.map((r) => r.id);
}

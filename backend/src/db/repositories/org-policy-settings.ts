import { AppError } from '../../../../app/contracts/errors';
import type { OrgPolicySettings } from '../../gateway/gateway-contracts';
import type { Database } from '../database';
import { iso } from '../row-values';

/** The org's overrides of the policy data; {} when it has none. */
export async function getOrgPolicySettings(db: Database, orgId: string): Promise<OrgPolicySettings> {
  return db.withOrg(orgId, async (tx) => {
    const { rows } = await tx.query<{ settings: OrgPolicySettings }>('SELECT settings FROM ai_org_policies WHERE org_id = $1', [orgId]);
    return rows[0]?.settings ?? {};
  });
}

/** Replaces the org's overrides as a whole. */
export async function setOrgPolicySettings(db: Database, orgId: string, settings: OrgPolicySettings): Promise<{ settings: OrgPolicySettings; updatedAt: string }> {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) throw new AppError('request.invalid', 'Policy settings are a JSON object');
  return db.withOrg(orgId, async (tx) => {
    const { rows } = await tx.query<{ settings: OrgPolicySettings; updated_at: Date }>(
      `INSERT INTO ai_org_policies (org_id, settings) VALUES ($1, $2::jsonb)
       ON CONFLICT (org_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()
       RETURNING settings, updated_at`,
      [orgId, JSON.stringify(settings)],
    );
    return { settings: rows[0]!.settings, updatedAt: iso(rows[0]!.updated_at) };
  });
}

import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database';
import type { Role } from '../db/repositories/identity';
import { putScimCredential } from '../db/repositories/scim';
import { appendAuditEvent } from '../db/repositories/audit';

/** Mints the org's SCIM credential (`fe_scim_<org id>.<secret>`), replacing any earlier one; only its sha256 is stored. */
export async function issueScimCredential(db: Database, orgId: string, roleMap: Record<string, Role>): Promise<string> {
  const token = `fe_scim_${orgId}.${randomBytes(32).toString('base64url')}`;
  await db.withOrg(orgId, async (tx) => {
    await putScimCredential(tx, { token, roleMap });
    await appendAuditEvent(tx, { action: 'scim.credential_issued', targetType: 'org', targetId: orgId, data: { roleMap } });
  });
  return token;
}

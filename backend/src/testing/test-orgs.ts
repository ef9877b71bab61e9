import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database';
import { addMembership, createOrg, createUser, type Role } from '../db/repositories/identity';

/** A new org with one user (for tests): ids to pass to db.withOrg and as createdBy. */
export async function seedOrg(db: Database, opts: { name?: string; role?: Role } = {}): Promise<{ orgId: string; userId: string }> {
  const orgId = randomUUID();
  return db.withOrg(orgId, async (tx) => {
    await createOrg(tx, { name: opts.name ?? `Org ${orgId.slice(0, 8)}` });
    const user = await createUser(tx, { email: `clinician-${orgId.slice(0, 8)}@example.test`, displayName: 'Dr. Test' });
    await addMembership(tx, { userId: user.id, role: opts.role ?? 'clinician' });
    return { orgId, userId: user.id };
  });
}

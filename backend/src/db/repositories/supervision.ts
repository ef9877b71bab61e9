import type { Tx } from '../database';
import { orgOf } from '../database';

/** Supervisor ↔ supervisee assignments (migration 0013), within the transaction's org. */
export async function assignSupervisee(tx: Tx, input: { supervisorUserId: string; clinicianUserId: string }): Promise<void> {
  await tx.query(
    `INSERT INTO supervision_assignments (org_id, supervisor_user_id, clinician_user_id) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [orgOf(tx), input.supervisorUserId, input.clinicianUserId],
  );
}

export async function unassignSupervisee(tx: Tx, input: { supervisorUserId: string; clinicianUserId: string }): Promise<boolean> {
  const r = await tx.query('DELETE FROM supervision_assignments WHERE supervisor_user_id = $1 AND clinician_user_id = $2', [input.supervisorUserId, input.clinicianUserId]);
  return r.rowCount > 0;
}

/** The clinicians assigned to a supervisor. */
export async function listSupervisees(tx: Tx, supervisorUserId: string): Promise<string[]> {
  const { rows } = await tx.query<{ clinician_user_id: string }>('SELECT clinician_user_id FROM supervision_assignments WHERE supervisor_user_id = $1 ORDER BY clinician_user_id', [supervisorUserId]);
  return rows.map((r) => r.clinician_user_id);
}

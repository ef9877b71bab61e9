import type { Database, Tx } from '../db/database';
import { sealJson, sealText, type FieldPlace } from './sealed-fields';

/**
 * The one-off migration of rows written before encryption at rest (migration 0010): each plaintext
 * value is sealed into its `_sealed` twin and the plaintext cleared, in one transaction per org.
 * Reads never needed it (they fall back to the plaintext column); it is what lets an operator say
 * no health data is left in clear in the database.
 */
export interface LegacySealResult {
  orgs: number;
  values: Record<string, number>;
}

interface Column {
  table: string;
  column: string;
  /** The row's key in the associated data (must match the repository's place). */
  rowKey: 'id' | 'evaluation_id';
  json: boolean;
}

const COLUMNS: Column[] = [
  { table: 'sessions', column: 'title', rowKey: 'id', json: false },
  { table: 'participants', column: 'display_name', rowKey: 'id', json: false },
  { table: 'transcripts', column: 'body', rowKey: 'evaluation_id', json: true },
  { table: 'analyses', column: 'body', rowKey: 'evaluation_id', json: true },
];

async function sealColumn(tx: Tx, c: Column): Promise<number> {
  const { rows } = await tx.query<{ k: string; v: unknown }>(`SELECT ${c.rowKey}::text AS k, ${c.column} AS v FROM ${c.table} WHERE ${c.column} IS NOT NULL AND ${c.column}_sealed IS NULL FOR UPDATE`);
  for (const r of rows) {
    const place: FieldPlace = { table: c.table, column: c.column, rowKey: r.k };
    const sealed = c.json ? await sealJson(tx, place, r.v) : await sealText(tx, place, String(r.v));
    await tx.query(`UPDATE ${c.table} SET ${c.column}_sealed = $2, ${c.column} = NULL WHERE ${c.rowKey} = $1`, [r.k, sealed]);
  }
  return rows.length;
}

/** Consents stay append-only for the app role: their plaintext is swapped for its sealed form by seal_legacy_consent(). */
async function sealConsents(tx: Tx): Promise<number> {
  const { rows } = await tx.query<{ id: string; method: string; text_version: string }>('SELECT id, method, text_version FROM consents WHERE method IS NOT NULL AND method_sealed IS NULL');
  for (const r of rows) {
    const m = await sealText(tx, { table: 'consents', column: 'method', rowKey: r.id }, r.method);
    const v = await sealText(tx, { table: 'consents', column: 'text_version', rowKey: r.id }, r.text_version);
    await tx.query('SELECT seal_legacy_consent($1, $2, $3)', [r.id, m, v]);
  }
  return rows.length;
}

export async function sealLegacyRows(db: Database, orgIds: string[], log?: (m: string) => void): Promise<LegacySealResult> {
  const values: Record<string, number> = Object.fromEntries([...COLUMNS.map((c) => `${c.table}.${c.column}`), 'consents.method+text_version'].map((k) => [k, 0]));
  for (const orgId of orgIds) {
    await db.withOrg(orgId, async (tx) => {
      for (const c of COLUMNS) {
        const n = await sealColumn(tx, c);
        values[`${c.table}.${c.column}`]! += n;
        if (n) log?.(`org ${orgId}: sealed ${n} ${c.table}.${c.column}`);
      }
      const n = await sealConsents(tx);
      values['consents.method+text_version']! += n;
      if (n) log?.(`org ${orgId}: sealed ${n} consents`);
    });
  }
  return { orgs: orgIds.length, values };
}

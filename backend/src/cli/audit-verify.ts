// `feedback audit verify [--org <id|name>] [--database-url <url>]`: walk every org's hash chains.
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../config';
import { createAuditHeadFiles, type AuditHeadStore } from '../audit/audit-head-file';
import { createDataKeys, type DataKeys } from '../crypto/data-keys';
import { openKeyProvider } from '../crypto/key-setup';
import { createDatabase, type Database } from '../db/database';
import { verifyAuditChain } from '../db/repositories/audit';
import { verifyGatewayAuditChain } from '../gateway/gateway-audit';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres';
import { answerUsage, parseArgsMessage } from './usage';

export type ChainResult =
  | { ok: true; count: number; headHash: string | null; checkpointSeq?: number | null }
  | { ok: false; count: number; brokenSeq: number; brokenId: string | null; reason: string };

export interface OrgChains {
  orgId: string;
  orgName: string;
  /** The AI gateway's trail (ai_gateway_audit). */
  gateway: ChainResult;
  /** The session audit trail (audit_events). */
  session: ChainResult;
}

export const auditUsage = `Usage:
  feedback audit verify [--org <id|name>] [--database-url <url>]
      Verify the hash-chained audit trails (AI gateway calls and session events) of every org, or
      of one. Both trails must reach their signed heads checkpointed in FE_AUDIT_HEAD_DIR (so a
      superuser who edits a gateway row and re-hashes the rest is caught: checkpoint_mismatch).
      Session events are also keyed (HMAC with a key from the org's data key, so the
      key-encryption key must be reachable: FE_KEY_PROVIDER, FE_KEK_FILE) and must reach the head
      checkpointed in FE_AUDIT_HEAD_DIR. Prints per org and trail "ok: N records, head <hash>" or
      "BROKEN at seq S (id I): <reason>" (hash_mismatch: that row was edited; row_deleted: that row
      is missing; truncated: the rows from S on are missing). Exit code 0 when all are intact, 1 when one is broken,
      2 on a usage or connection error. Without --database-url: DATABASE_URL, else the embedded
      PostgreSQL under FE_DATA_DIR (stop \`npm start\` first: one cluster, one server).`;

/**
 * Every org (or the one whose id or name is `org`), each trail verified in its own transaction
 * under that org (row-level security as the app sees it). The URL's user must be a superuser or a
 * member of fe_identity_resolver: listing the orgs is the one cross-org read.
 */
export async function verifyAuditTrails(databaseUrl: string, opts: { org?: string; keys: DataKeys; auditHeads: AuditHeadStore }): Promise<OrgChains[]> {
  const orgs = await listOrgs(databaseUrl);
  const chosen = opts.org === undefined ? orgs : orgs.filter((o) => o.id === opts.org || o.name === opts.org);
  if (opts.org !== undefined && chosen.length === 0) throw new Error(`No org with id or name ${JSON.stringify(opts.org)} (${orgs.length} org(s) in this database)`);
  const db = createDatabase(databaseUrl, { max: 1, applicationName: 'feedback-audit-verify', keys: opts.keys, auditHeads: opts.auditHeads });
  try {
    const out: OrgChains[] = [];
    for (const o of chosen) out.push({ orgId: o.id, orgName: o.name, gateway: await gatewayChain(db, o.id), session: await sessionChain(db, o.id) });
    return out;
  } finally {
    await db.close();
  }
}

export function formatChain(r: ChainResult): string {
  if (r.ok) return `ok: ${r.count} records, head ${r.headHash ?? 'none'}${r.checkpointSeq ? `, checkpoint at seq ${r.checkpointSeq}` : ''}`;
  return `BROKEN at seq ${r.brokenSeq} (id ${r.brokenId ?? 'none: missing'}): ${r.reason}`;
}

export function formatOrgChains(o: OrgChains): string {
  return `${o.orgName} (${o.orgId})\n  gateway audit: ${formatChain(o.gateway)}\n  session audit: ${formatChain(o.session)}`;
}

/** The `audit` command: returns the exit code. */
export async function runAuditCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { org: { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return answerUsage('audit', parseArgsMessage(e), auditUsage);
  }
  const { values, positionals } = parsed;
  if (values.help) return answerUsage('audit', '', auditUsage);
  if (positionals[0] !== 'verify') return answerUsage('audit', positionals[0] ? `Unknown action '${positionals[0]}'.` : 'Name an action: verify.', auditUsage);
  if (positionals.length > 1) return answerUsage('audit', `Unexpected argument(s): ${positionals.slice(1).join(' ')}`, auditUsage);
  let stop: (() => Promise<void>) | undefined;
  try {
    const config = loadConfig({ LOG_LEVEL: 'warn', ...env });
    let url = values['database-url'];
    if (!url) {
      // The owner login sees every org's list through fe_identity_resolver; the app login does not.
      url = config.databaseMigrateUrl ?? config.databaseUrl;
      if (!url) {
        console.error('Starting the embedded PostgreSQL…');
        const server = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: config.embeddedPgPort });
        stop = () => server.stop();
        url = server.url;
      }
    }
    const keys = createDataKeys({ provider: await openKeyProvider(config) });
    const auditHeads = createAuditHeadFiles(config.derived.auditHeadDir);
    const results = await verifyAuditTrails(url, { org: values.org, keys, auditHeads });
    for (const r of results) console.log(formatOrgChains(r));
    const broken = results.filter((r) => !r.gateway.ok || !r.session.ok);
    console.error(broken.length ? `${broken.length} of ${results.length} org(s) have a broken trail.` : `${results.length} org(s) verified, all trails intact.`);
    return broken.length ? 1 : 0;
  } catch (e) {
    const err = e as { code?: string; message: string };
    console.error(`audit verify failed${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
    return 2;
  } finally {
    await stop?.();
  }
}

async function listOrgs(databaseUrl: string): Promise<{ id: string; name: string }[]> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'feedback-audit-verify' });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ t: string | null }>("SELECT to_regclass('public.ai_gateway_audit')::text AS t");
    if (!tables[0]?.t) throw new Error('This database has no audit trail tables (not migrated): start the app once (npm start) or pass --database-url of the app database');
    await client.query('BEGIN READ ONLY');
    // The sign-in role may read orgs across tenants and nothing else; a superuser passes too.
    await client.query('SET LOCAL ROLE fe_identity_resolver');
    const { rows } = await client.query<{ id: string; name: string }>('SELECT id, name FROM orgs ORDER BY name, id');
    await client.query('COMMIT');
    return rows;
  } finally {
    await client.end();
  }
}

async function gatewayChain(db: Database, orgId: string): Promise<ChainResult> {
  return db.withOrg(orgId, async (tx) => {
    const c = await verifyGatewayAuditChain(tx);
    return c.ok ? c : { ok: false, count: c.count, brokenSeq: c.firstBrokenSeq, brokenId: c.firstBrokenId, reason: c.reason };
  });
}

async function sessionChain(db: Database, orgId: string): Promise<ChainResult> {
  return db.withOrg(orgId, (tx) => verifyAuditChain(tx));
}

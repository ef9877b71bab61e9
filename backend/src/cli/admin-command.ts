// `feedback admin create-org`: bootstrap an organisation and its first org_admin (issue 11, item 5).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config';
import { createDatabase } from '../db/database';
import { migrate } from '../db/migrate';
import { createDataKeys } from '../crypto/data-keys';
import { openKeyProvider } from '../crypto/key-setup';
import { createAuditHeadFiles } from '../audit/audit-head-file';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres';
import { createOrgWithAdmin } from '../auth/sign-in-links';

export const adminUsage = `Usage:
  feedback admin create-org --name <org name> --admin-email <email> [--admin-name <display name>]
                            [--public-url <api url>] [--database-url <url>]
      Create an organisation with one org_admin and print (once, on stdout) a one-time sign-in link
      for that admin: it signs in once and expires after FE_SIGN_IN_LINK_TTL_SEC (default 24 h).
      The link points at --public-url, else FE_PUBLIC_URL, else http://FE_API_HOST:FE_API_PORT.
      Without --database-url: DATABASE_URL, else the embedded PostgreSQL under FE_DATA_DIR (stop
      \`npm start\` first). Exit code 0 on success, 2 on a usage or connection error.`;

interface CreateOrgArgs {
  name: string;
  adminEmail: string;
  adminName?: string;
  publicUrl?: string;
  databaseUrl?: string;
}

function parse(argv: string[]): CreateOrgArgs | string {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, 'admin-email': { type: 'string' }, 'admin-name': { type: 'string' }, 'public-url': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return (e as Error).message;
  }
  const { values, positionals } = parsed;
  if (values.help) return '';
  if (positionals[0] !== 'create-org' || positionals.length !== 1) return 'Name an action: create-org.';
  const name = values.name?.trim();
  if (!name || name.length > 200) return '--name is required (at most 200 characters).';
  const email = values['admin-email']?.trim() ?? '';
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return '--admin-email must be an email address.';
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(publicUrl)) return '--public-url must be an http(s) URL.';
  return { name, adminEmail: email, adminName: values['admin-name']?.trim() || undefined, publicUrl, databaseUrl: values['database-url'] };
}

function apiBaseOf(config: Config, explicit: string | undefined): string {
  return explicit ?? config.publicUrl ?? `http://${config.apiHost.includes(':') ? `[${config.apiHost}]` : config.apiHost}:${config.apiPort}`;
}

/** The `admin` command: returns the exit code. */
export async function runAdminCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'string') {
    if (args) console.error(args);
    console.log(adminUsage);
    return args ? 2 : 0;
  }
  let stop: (() => Promise<void>) | undefined;
  try {
    const config = loadConfig({ LOG_LEVEL: 'warn', ...env });
    let databaseUrl = args.databaseUrl ?? config.databaseUrl;
    if (!databaseUrl) {
      console.error('Starting the embedded PostgreSQL…');
      const server = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: config.embeddedPgPort });
      stop = () => server.stop();
      databaseUrl = server.url;
      await migrate(databaseUrl);
    }
    const keys = createDataKeys({ provider: await openKeyProvider(config, (m) => console.error(m)) });
    const db = createDatabase(databaseUrl, { max: 1, applicationName: 'feedback-admin', keys, auditHeads: createAuditHeadFiles(config.derived.auditHeadDir) });
    try {
      const r = await createOrgWithAdmin(db, { name: args.name, adminEmail: args.adminEmail, adminName: args.adminName, apiBase: apiBaseOf(config, args.publicUrl), linkTtlSec: config.signInLinkTtlSec });
      console.log(r.link);
      console.error(`Created org ${r.org.name} (${r.org.id}) with org_admin ${r.admin.email}. The link above signs in once and expires at ${r.expiresAt.toISOString()}; it is shown only this once.`);
      return 0;
    } finally {
      await db.close();
    }
  } catch (e) {
    const err = e as { code?: string; message: string };
    console.error(`admin ${argv[0] ?? ''} failed${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
    return 2;
  } finally {
    await stop?.();
  }
}

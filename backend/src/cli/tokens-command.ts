// `feedback tokens issue|list|revoke`: API tokens of a user, for operators (the API has no token routes).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { answerUsage, parseArgsMessage } from './usage';
import pg from 'pg';
import { AppError } from '../../../app/contracts/errors';
import { loadConfig } from '../config';
import { createDatabase } from '../db/database';
import { addApiToken, findUserByEmail, listApiTokens, revokeApiToken, revokeUserApiTokens, type ApiToken } from '../db/repositories/identity';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres';

export const tokensUsage = `Usage:
  feedback tokens issue --org <id|name> --email <user email> [--days <n>] [--label <text>] [--database-url <url>]
      Mint an API token for the user (default lifetime 30 days, at most 365). The token is printed
      once on stdout; only its sha256 is stored.
  feedback tokens list --org <id|name> --email <user email> [--database-url <url>]
      The user's tokens: id, kind, state (active, expired, revoked), expiry, label.
  feedback tokens revoke --org <id|name> (<token id> | --email <user email>) [--database-url <url>]
      Revoke one token, or every live token of the user (signed out everywhere).
      Without --database-url: DATABASE_URL, else the embedded PostgreSQL under FE_DATA_DIR (stop
      \`npm start\` first). Exit code 0 on success, 1 when nothing matched, 2 on a usage error.`;

export const MAX_TOKEN_DAYS = 365;

/** The one cross-org read: which org an id or name names (through the sign-in role, like audit verify). */
export async function findOrg(databaseUrl: string, org: string): Promise<{ id: string; name: string }> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'feedback-tokens' });
  await client.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query('SET LOCAL ROLE fe_identity_resolver');
    const { rows } = await client.query<{ id: string; name: string }>('SELECT id, name FROM orgs WHERE id::text = $1 OR name = $1 ORDER BY id', [org]);
    await client.query('COMMIT');
    if (rows.length === 0) throw new AppError('request.not_found', `No org with id or name ${JSON.stringify(org)}`);
    if (rows.length > 1) throw new AppError('request.invalid', `Several orgs are named ${JSON.stringify(org)}: pass the id (${rows.map((r) => r.id).join(', ')})`);
    return rows[0]!;
  } finally {
    await client.end();
  }
}

export function tokenState(t: ApiToken, now = Date.now()): 'active' | 'expired' | 'revoked' {
  return t.revokedAt ? 'revoked' : Date.parse(t.expiresAt) <= now ? 'expired' : 'active';
}

interface TokensArgs {
  action: 'issue' | 'list' | 'revoke';
  org: string;
  email?: string;
  tokenId?: string;
  days?: number;
  label?: string;
  databaseUrl?: string;
}

/** Runs one action against a database; returns the exit code and prints as the CLI does. */
export async function runTokensAction(databaseUrl: string, a: TokensArgs, out: { log: (s: string) => void; err: (s: string) => void } = { log: console.log, err: console.error }): Promise<number> {
  const org = await findOrg(databaseUrl, a.org);
  const db = createDatabase(databaseUrl, { max: 1, applicationName: 'feedback-tokens' });
  try {
    return await db.withOrg(org.id, async (tx) => {
      const user = a.email ? await findUserByEmail(tx, a.email) : null;
      if (a.email && !user) throw new AppError('request.not_found', `No user ${a.email} in ${org.name}`);
      if (a.action === 'issue') {
        const token = `fet_${randomBytes(32).toString('base64url')}`;
        const t = await addApiToken(tx, { userId: user!.id, token, label: a.label ?? '', expiresAt: new Date(Date.now() + (a.days ?? 30) * 86_400_000) });
        out.log(token);
        out.err(`Issued token ${t.id} for ${a.email} in ${org.name}, expires ${t.expiresAt}. It is shown only this once.`);
        return 0;
      }
      if (a.action === 'list') {
        for (const t of await listApiTokens(tx, user!.id)) out.log([t.id, t.kind, tokenState(t), t.expiresAt, t.label].join('\t'));
        return 0;
      }
      if (a.tokenId) {
        const done = await revokeApiToken(tx, a.tokenId);
        out.err(done ? `Revoked token ${a.tokenId}.` : `No live token ${a.tokenId} in ${org.name}.`);
        return done ? 0 : 1;
      }
      const n = await revokeUserApiTokens(tx, user!.id);
      out.err(`Revoked ${n} live token(s) of ${a.email}.`);
      return n > 0 ? 0 : 1;
    });
  } finally {
    await db.close();
  }
}

function parse(argv: string[]): TokensArgs | string {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { org: { type: 'string' }, email: { type: 'string' }, days: { type: 'string' }, label: { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return parseArgsMessage(e);
  }
  const { values, positionals } = parsed;
  const [action, tokenId, ...extra] = positionals;
  if (values.help) return '';
  if (action !== 'issue' && action !== 'list' && action !== 'revoke') return 'Name an action: issue, list or revoke.';
  if (!values.org) return '--org is required.';
  if (extra.length || (tokenId && action !== 'revoke')) return `Unexpected argument(s): ${[tokenId, ...extra].filter(Boolean).join(' ')}`;
  if (action === 'revoke' ? !tokenId === !values.email : !values.email) return action === 'revoke' ? 'Pass a token id or --email, not both.' : '--email is required.';
  let days: number | undefined;
  if (values.days !== undefined) {
    days = Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS) return `--days must be a whole number from 1 to ${MAX_TOKEN_DAYS}.`;
  }
  return { action, org: values.org, email: values.email, tokenId, days, label: values.label, databaseUrl: values['database-url'] };
}

/** The `tokens` command: returns the exit code. */
export async function runTokensCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'string') return answerUsage('tokens', args, tokensUsage);
  let stop: (() => Promise<void>) | undefined;
  try {
    let databaseUrl = args.databaseUrl;
    if (!databaseUrl) {
      const config = loadConfig({ LOG_LEVEL: 'warn', ...env });
      // Finding the org by name needs the owner (a member of fe_identity_resolver), not the app login.
      databaseUrl = config.databaseMigrateUrl ?? config.databaseUrl;
      if (!databaseUrl) {
        console.error('Starting the embedded PostgreSQL…');
        const server = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: config.embeddedPgPort });
        stop = () => server.stop();
        databaseUrl = server.url;
      }
    }
    return await runTokensAction(databaseUrl, args);
  } catch (e) {
    const err = e as { code?: string; message: string };
    console.error(`tokens ${args.action} failed${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
    return err.code === 'request.not_found' ? 1 : 2;
  } finally {
    await stop?.();
  }
}

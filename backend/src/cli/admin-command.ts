// `feedback admin create-org`: bootstrap an organisation and its first org_admin (issue 11, item 5).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { answerUsage, parseArgsMessage } from './usage';
import { loadConfig, type Config } from '../config';
import { createDatabase } from '../db/database';
import { migrate } from '../db/migrate';
import { createDataKeys } from '../crypto/data-keys';
import { openKeyProvider } from '../crypto/key-setup';
import { createAuditHeadFiles } from '../audit/audit-head-file';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres';
import { createOrgWithAdmin } from '../auth/sign-in-links';
import { issueScimCredential } from '../scim/scim-credential';
import { ROLES, type Role } from '../db/repositories/identity';
import { findOrg } from './tokens-command';
import { readFileSync } from 'node:fs';
import { parseIdpMetadata } from '../auth/saml-idp-metadata';
import { putSamlProvider } from '../db/repositories/saml';
import { appendAuditEvent } from '../db/repositories/audit';
import { setOrgSessionLifetimes, type OrgSessionLifetimes } from '../db/repositories/session-lifetimes';

export const adminUsage = `Usage:
  feedback admin create-org --name <org name> --admin-email <email> [--admin-name <display name>]
                            [--public-url <api url>] [--database-url <url>]
      Create an organisation with one org_admin and print (once, on stdout) a one-time sign-in link
      for that admin: it signs in once and expires after FE_SIGN_IN_LINK_TTL_SEC (default 24 h).
      The link points at --public-url, else FE_PUBLIC_URL, else http://FE_API_HOST:FE_API_PORT.
      Without --database-url: DATABASE_URL, else the embedded PostgreSQL under FE_DATA_DIR (stop
      \`npm start\` first). Exit code 0 on success, 2 on a usage or connection error.
  feedback admin scim-credential --org <id|name> [--role-map "<group>=<role>,…"] [--database-url <url>]
      Mint the org's SCIM bearer credential (replacing any earlier one) and print it once on stdout,
      for the IdP's provisioning (Entra ID, Okta) at <api>/scim/v2. --role-map maps SCIM group
      displayNames to roles (${ROLES.join(', ')}); a group named like a role maps to it anyway.
  feedback admin saml-idp --org <id|name> --metadata-file <idp-metadata.xml> --domains <a.org,b.org>
                          [--role-attribute <name>] [--role-map "<value>=<role>,…"] [--default-role <role>]
                          [--email-attribute <name>] [--public-url <api url>] [--database-url <url>]
      Configure the org's SAML identity provider from its metadata (entity id, HTTP-Redirect SSO URL,
      signing certificates): users of the allowed email domains are created at their first sign-in,
      their roles mapped from the role attribute (default "groups"). The SP metadata for the IdP is at
      <api>/v1/auth/saml/<org id>/metadata (needs FE_SAML_SP_KEY_FILE and FE_SAML_SP_CERT_FILE).
  feedback admin session-lifetimes --org <id|name> [--access-sec <n>] [--idle-sec <n>] [--absolute-sec <n>]
                                   [--database-url <url>]
      Set the org's desktop session lifetimes (docs/decisions/028): the access token's (60…86400 s),
      a refresh token's idle lifetime and a sign-in's absolute one (at least 300 s each). One left
      out goes back to the deployment's default (FE_DESKTOP_ACCESS_TTL_SEC, FE_DESKTOP_REFRESH_IDLE_SEC,
      FE_DESKTOP_REFRESH_ABSOLUTE_SEC). New refreshes use them; an absolute lifetime applies to new sign-ins.`;

interface CreateOrgArgs {
  action: 'create-org';
  name: string;
  adminEmail: string;
  adminName?: string;
  publicUrl?: string;
  databaseUrl?: string;
}

interface ScimCredentialArgs {
  action: 'scim-credential';
  org: string;
  roleMap: Record<string, Role>;
  databaseUrl?: string;
}

interface SamlIdpArgs {
  action: 'saml-idp';
  org: string;
  metadataFile: string;
  domains: string[];
  roleAttribute: string;
  emailAttribute: string | null;
  roleMap: Record<string, Role>;
  defaultRole: Role | null;
  publicUrl?: string;
  databaseUrl?: string;
}

interface SessionLifetimesArgs {
  action: 'session-lifetimes';
  org: string;
  lifetimes: OrgSessionLifetimes;
  databaseUrl?: string;
}

function seconds(v: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | null | string {
  if (v === undefined) return null;
  const n = Number(v);
  return /^[0-9]+$/.test(v) && n >= min && n <= max ? n : `${flag} must be a whole number of seconds from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}.`;
}

function parseRoleMap(v: string | undefined): Record<string, Role> | string {
  const map: Record<string, Role> = {};
  for (const pair of (v ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const at = pair.lastIndexOf('=');
    const group = pair.slice(0, at).trim();
    const role = pair.slice(at + 1).trim();
    if (at <= 0 || !(ROLES as readonly string[]).includes(role)) return `--role-map: "${pair}" is not <group>=<role> with a role of ${ROLES.join(', ')}.`;
    map[group] = role as Role;
  }
  return map;
}

function parse(argv: string[]): CreateOrgArgs | ScimCredentialArgs | SamlIdpArgs | SessionLifetimesArgs | string {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { org: { type: 'string' }, 'role-map': { type: 'string' }, 'metadata-file': { type: 'string' }, domains: { type: 'string' }, 'role-attribute': { type: 'string' }, 'email-attribute': { type: 'string' }, 'default-role': { type: 'string' }, name: { type: 'string' }, 'admin-email': { type: 'string' }, 'admin-name': { type: 'string' }, 'public-url': { type: 'string' }, 'database-url': { type: 'string' }, 'access-sec': { type: 'string' }, 'idle-sec': { type: 'string' }, 'absolute-sec': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return parseArgsMessage(e);
  }
  const { values, positionals } = parsed;
  if (values.help) return '';
  if (!['create-org', 'scim-credential', 'saml-idp', 'session-lifetimes'].includes(positionals[0] ?? '') || positionals.length !== 1) return 'Name an action: create-org, scim-credential, saml-idp or session-lifetimes.';
  if (positionals[0] === 'session-lifetimes') {
    if (!values.org) return '--org is required.';
    const accessTtlSec = seconds(values['access-sec'], '--access-sec', 60, 86400);
    const refreshIdleSec = seconds(values['idle-sec'], '--idle-sec', 300);
    const refreshAbsoluteSec = seconds(values['absolute-sec'], '--absolute-sec', 300);
    for (const v of [accessTtlSec, refreshIdleSec, refreshAbsoluteSec]) if (typeof v === 'string') return v;
    return { action: 'session-lifetimes', org: values.org, lifetimes: { accessTtlSec: accessTtlSec as number | null, refreshIdleSec: refreshIdleSec as number | null, refreshAbsoluteSec: refreshAbsoluteSec as number | null }, databaseUrl: values['database-url'] };
  }
  if (positionals[0] === 'saml-idp') {
    if (!values.org || !values['metadata-file']) return '--org and --metadata-file are required.';
    const domains = (values.domains ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
    if (domains.length === 0) return '--domains is required (the email domains whose users may sign in).';
    const roleMap = parseRoleMap(values['role-map']);
    if (typeof roleMap === 'string') return roleMap;
    const defaultRole = values['default-role'] ?? null;
    if (defaultRole !== null && !(ROLES as readonly string[]).includes(defaultRole)) return `--default-role must be one of ${ROLES.join(', ')}.`;
    return { action: 'saml-idp', org: values.org, metadataFile: values['metadata-file'], domains, roleAttribute: values['role-attribute'] ?? 'groups', emailAttribute: values['email-attribute'] ?? null, roleMap, defaultRole: defaultRole as Role | null, publicUrl: values['public-url'], databaseUrl: values['database-url'] };
  }
  if (positionals[0] === 'scim-credential') {
    if (!values.org) return '--org is required.';
    const roleMap = parseRoleMap(values['role-map']);
    if (typeof roleMap === 'string') return roleMap;
    return { action: 'scim-credential', org: values.org, roleMap, databaseUrl: values['database-url'] };
  }
  const name = values.name?.trim();
  if (!name || name.length > 200) return '--name is required (at most 200 characters).';
  const email = values['admin-email']?.trim() ?? '';
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return '--admin-email must be an email address.';
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(publicUrl)) return '--public-url must be an http(s) URL.';
  return { action: 'create-org', name, adminEmail: email, adminName: values['admin-name']?.trim() || undefined, publicUrl, databaseUrl: values['database-url'] };
}

function apiBaseOf(config: Config, explicit: string | undefined): string {
  return explicit ?? config.publicUrl ?? `http://${config.apiHost.includes(':') ? `[${config.apiHost}]` : config.apiHost}:${config.apiPort}`;
}

/** The `admin` command: returns the exit code. */
export async function runAdminCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'string') return answerUsage('admin', args, adminUsage);
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
      if (args.action === 'saml-idp') {
        const org = await findOrg(databaseUrl, args.org);
        const md = parseIdpMetadata(readFileSync(args.metadataFile, 'utf8'));
        await db.withOrg(org.id, async (tx) => {
          await putSamlProvider(tx, { idpEntityId: md.entityId, ssoUrl: md.ssoUrl, idpCerts: md.certs, emailAttribute: args.emailAttribute, roleAttribute: args.roleAttribute, roleMap: args.roleMap, defaultRole: args.defaultRole, allowedDomains: args.domains });
          await appendAuditEvent(tx, { action: 'auth.saml_provider_set', targetType: 'org', targetId: org.id, data: { idpEntityId: md.entityId, ssoUrl: md.ssoUrl, certs: md.certs.length, domains: args.domains, roleAttribute: args.roleAttribute, roleMap: args.roleMap, defaultRole: args.defaultRole } });
        });
        const base = apiBaseOf(config, args.publicUrl);
        console.log(`${base}/v1/auth/saml/${org.id}/metadata`);
        console.error(`SAML IdP ${md.entityId} configured for ${org.name} (${org.id}), ${md.certs.length} signing certificate(s). Give the IdP the SP metadata above (entity id = that URL, ACS ${base}/v1/auth/saml/${org.id}/acs); users start at ${base}/v1/auth/saml/${org.id}/start.`);
        return 0;
      }
      if (args.action === 'session-lifetimes') {
        const org = await findOrg(databaseUrl, args.org);
        await db.withOrg(org.id, async (tx) => {
          await setOrgSessionLifetimes(tx, args.lifetimes);
          await appendAuditEvent(tx, { action: 'auth.session_lifetimes_set', targetType: 'org', targetId: org.id, data: { ...args.lifetimes } });
        });
        const shown = (v: number | null, dflt: number) => (v === null ? `${dflt} s (default)` : `${v} s`);
        console.error(`Desktop session lifetimes of ${org.name} (${org.id}): access ${shown(args.lifetimes.accessTtlSec, config.desktopAccessTtlSec)}, idle ${shown(args.lifetimes.refreshIdleSec, config.desktopRefreshIdleSec)}, absolute ${shown(args.lifetimes.refreshAbsoluteSec, config.desktopRefreshAbsoluteSec)}.`);
        return 0;
      }
      if (args.action === 'scim-credential') {
        const org = await findOrg(databaseUrl, args.org);
        const token = await issueScimCredential(db, org.id, args.roleMap);
        console.log(token);
        console.error(`SCIM credential of ${org.name} (${org.id}) issued (any earlier one no longer works); it is shown only this once. SCIM base URL: ${apiBaseOf(config, undefined)}/scim/v2`);
        return 0;
      }
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

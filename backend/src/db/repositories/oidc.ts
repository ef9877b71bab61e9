import { createHash } from 'node:crypto';
import type { Tx } from '../database';
import { orgOf } from '../database';
import { openText, sealText } from '../../crypto/sealed-fields';
import type { Role } from './identity';

/** An org's OpenID Connect identity provider (docs/decisions/017). */
export interface OidcProviderConfig {
  orgId: string;
  issuer: string;
  clientId: string;
  /** Null for a public client (PKCE only). */
  clientSecret: string | null;
  scopes: string;
  /** The ID-token claim whose values `roleMap` maps (a string or an array of strings, e.g. `groups`). */
  roleClaim: string;
  roleMap: Record<string, Role>;
  /** The role of a user none of whose claim values is mapped; null: such a user is refused. */
  defaultRole: Role | null;
  /** Lower-case email domains that may sign in (and are created just in time). Empty: none. */
  allowedDomains: string[];
}

const secretPlace = (orgId: string) => ({ table: 'org_oidc_providers', column: 'client_secret_sealed', rowKey: orgId });

export async function putOidcProvider(tx: Tx, input: Omit<OidcProviderConfig, 'orgId'>): Promise<OidcProviderConfig> {
  const orgId = orgOf(tx);
  const sealed = input.clientSecret === null ? null : await sealText(tx, secretPlace(orgId), input.clientSecret);
  const domains = input.allowedDomains.map((d) => d.toLowerCase());
  await tx.query(
    `INSERT INTO org_oidc_providers (org_id, issuer, client_id, client_secret_sealed, scopes, role_claim, role_map, default_role, allowed_domains)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (org_id) DO UPDATE SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id, client_secret_sealed = EXCLUDED.client_secret_sealed,
       scopes = EXCLUDED.scopes, role_claim = EXCLUDED.role_claim, role_map = EXCLUDED.role_map, default_role = EXCLUDED.default_role,
       allowed_domains = EXCLUDED.allowed_domains, updated_at = now()`,
    [orgId, input.issuer, input.clientId, sealed, input.scopes, input.roleClaim, JSON.stringify(input.roleMap), input.defaultRole, domains],
  );
  return { ...input, orgId, allowedDomains: domains };
}

export async function getOidcProvider(tx: Tx): Promise<OidcProviderConfig | null> {
  const orgId = orgOf(tx);
  const { rows } = await tx.query<{ issuer: string; client_id: string; client_secret_sealed: Buffer | null; scopes: string; role_claim: string; role_map: Record<string, Role>; default_role: Role | null; allowed_domains: string[] }>(
    'SELECT * FROM org_oidc_providers WHERE org_id = $1',
    [orgId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    orgId,
    issuer: r.issuer,
    clientId: r.client_id,
    clientSecret: r.client_secret_sealed ? await openText(tx, secretPlace(orgId), r.client_secret_sealed) : null,
    scopes: r.scopes,
    roleClaim: r.role_claim,
    roleMap: r.role_map,
    defaultRole: r.default_role,
    allowedDomains: r.allowed_domains,
  };
}

export interface OidcLoginFlow {
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  bindingChallenge: string | null;
}

const stateSha256 = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex');

export async function addOidcLoginFlow(tx: Tx, input: OidcLoginFlow & { state: string; expiresAt: Date }): Promise<void> {
  // Expired flows of the org go as new ones come: the table holds only sign-ins in progress.
  await tx.query('DELETE FROM oidc_login_flows WHERE org_id = $1 AND expires_at <= now()', [orgOf(tx)]);
  await tx.query(
    'INSERT INTO oidc_login_flows (state_sha256, org_id, nonce, code_verifier, redirect_uri, binding_challenge, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [stateSha256(input.state), orgOf(tx), input.nonce, input.codeVerifier, input.redirectUri, input.bindingChallenge, input.expiresAt],
  );
}

/** Takes (deletes) the flow of `state`: a second callback with the same state finds nothing, nor does one after expiry. */
export async function takeOidcLoginFlow(tx: Tx, state: string): Promise<OidcLoginFlow | null> {
  const { rows } = await tx.query<{ nonce: string; code_verifier: string; redirect_uri: string; binding_challenge: string | null; live: boolean }>(
    'DELETE FROM oidc_login_flows WHERE state_sha256 = $1 RETURNING nonce, code_verifier, redirect_uri, binding_challenge, expires_at > now() AS live',
    [stateSha256(state)],
  );
  const r = rows[0];
  return r?.live ? { nonce: r.nonce, codeVerifier: r.code_verifier, redirectUri: r.redirect_uri, bindingChallenge: r.binding_challenge } : null;
}

/** The user an IdP subject was linked to, if any. */
export async function findOidcIdentity(tx: Tx, issuer: string, subject: string): Promise<string | null> {
  const { rows } = await tx.query<{ user_id: string }>('SELECT user_id FROM oidc_identities WHERE issuer = $1 AND subject = $2', [issuer, subject]);
  return rows[0]?.user_id ?? null;
}

/** The subject a user is linked to at this issuer, if any. */
export async function subjectOfUser(tx: Tx, issuer: string, userId: string): Promise<string | null> {
  const { rows } = await tx.query<{ subject: string }>('SELECT subject FROM oidc_identities WHERE issuer = $1 AND user_id = $2', [issuer, userId]);
  return rows[0]?.subject ?? null;
}

export async function linkOidcIdentity(tx: Tx, input: { issuer: string; subject: string; userId: string }): Promise<void> {
  await tx.query('INSERT INTO oidc_identities (org_id, issuer, subject, user_id) VALUES ($1, $2, $3, $4)', [orgOf(tx), input.issuer, input.subject, input.userId]);
}

import type { Tx } from '../database';
import { orgOf } from '../database';
import type { Role } from './identity';

/** An org's SAML identity provider (docs/decisions/022). */
export interface SamlProviderConfig {
  orgId: string;
  idpEntityId: string;
  /** SingleSignOnService, HTTP-Redirect binding. */
  ssoUrl: string;
  /** PEM signing certificates (several during a rollover). */
  idpCerts: string[];
  /** The attribute holding the email; null: the NameID (which must look like one). */
  emailAttribute: string | null;
  roleAttribute: string;
  roleMap: Record<string, Role>;
  defaultRole: Role | null;
  allowedDomains: string[];
}

export async function putSamlProvider(tx: Tx, input: Omit<SamlProviderConfig, 'orgId'>): Promise<SamlProviderConfig> {
  const domains = input.allowedDomains.map((d) => d.toLowerCase());
  await tx.query(
    `INSERT INTO org_saml_providers (org_id, idp_entity_id, sso_url, idp_certs, email_attribute, role_attribute, role_map, default_role, allowed_domains)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (org_id) DO UPDATE SET idp_entity_id = EXCLUDED.idp_entity_id, sso_url = EXCLUDED.sso_url, idp_certs = EXCLUDED.idp_certs,
       email_attribute = EXCLUDED.email_attribute, role_attribute = EXCLUDED.role_attribute, role_map = EXCLUDED.role_map,
       default_role = EXCLUDED.default_role, allowed_domains = EXCLUDED.allowed_domains, updated_at = now()`,
    [orgOf(tx), input.idpEntityId, input.ssoUrl, input.idpCerts, input.emailAttribute, input.roleAttribute, JSON.stringify(input.roleMap), input.defaultRole, domains],
  );
  return { ...input, orgId: orgOf(tx), allowedDomains: domains };
}

export async function getSamlProvider(tx: Tx): Promise<SamlProviderConfig | null> {
  const { rows } = await tx.query<{ idp_entity_id: string; sso_url: string; idp_certs: string[]; email_attribute: string | null; role_attribute: string; role_map: Record<string, Role>; default_role: Role | null; allowed_domains: string[] }>(
    'SELECT * FROM org_saml_providers WHERE org_id = $1',
    [orgOf(tx)],
  );
  const r = rows[0];
  return r ? { orgId: orgOf(tx), idpEntityId: r.idp_entity_id, ssoUrl: r.sso_url, idpCerts: r.idp_certs, emailAttribute: r.email_attribute, roleAttribute: r.role_attribute, roleMap: r.role_map, defaultRole: r.default_role, allowedDomains: r.allowed_domains } : null;
}

export async function saveSamlRequestId(tx: Tx, requestId: string, issuedAt: string, expiresAt: Date): Promise<void> {
  await tx.query('DELETE FROM saml_request_ids WHERE org_id = $1 AND expires_at <= now()', [orgOf(tx)]);
  await tx.query('INSERT INTO saml_request_ids (org_id, request_id, issued_at, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [orgOf(tx), requestId, issuedAt, expiresAt]);
}

export async function getSamlRequestId(tx: Tx, requestId: string): Promise<string | null> {
  const { rows } = await tx.query<{ issued_at: string }>('SELECT issued_at FROM saml_request_ids WHERE request_id = $1 AND expires_at > now()', [requestId]);
  return rows[0]?.issued_at ?? null;
}

export async function removeSamlRequestId(tx: Tx, requestId: string): Promise<string | null> {
  const { rows } = await tx.query<{ request_id: string }>('DELETE FROM saml_request_ids WHERE request_id = $1 RETURNING request_id', [requestId]);
  return rows[0]?.request_id ?? null;
}

/** Whether an assertion id was accepted before (a replay). */
export async function samlAssertionSeen(tx: Tx, assertionId: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT 1 FROM saml_assertion_ids WHERE assertion_id = $1', [assertionId]);
  return rows.length > 0;
}

/** Records an accepted assertion id until `expiresAt`; false when it was recorded already (a replay). */
export async function recordSamlAssertion(tx: Tx, assertionId: string, expiresAt: Date): Promise<boolean> {
  await tx.query('DELETE FROM saml_assertion_ids WHERE org_id = $1 AND expires_at <= now()', [orgOf(tx)]);
  const { rowCount } = await tx.query('INSERT INTO saml_assertion_ids (org_id, assertion_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [orgOf(tx), assertionId, expiresAt]);
  return rowCount > 0;
}

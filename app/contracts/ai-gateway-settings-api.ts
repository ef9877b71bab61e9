import { z } from 'zod';
import { lineText } from './text';

/**
 * Admin API of the AI governance gateway, second part (`/v1/admin/ai/policy`, `/v1/admin/ai/credentials`):
 * the org's policy overrides and its service credentials. org_admin writes, auditor reads.
 */

const Uuid = z.string().uuid();
/** Same shape as the purpose keys of the policy settings. */
const PurposeName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a purpose name: lowercase letters, digits and _');

/**
 * The org's overrides of the policy defaults (resources/policies/data.json). The request body is
 * validated by the gateway's own schema (OrgPolicySettingsSchema, described in the OpenAPI
 * document as AiOrgPolicySettings); here it is any JSON object so that app/ need not know it.
 */
export const PolicySettingsDocument = z.record(z.string(), z.unknown());

export const PolicySettingsView = z
  .object({
    settings: PolicySettingsDocument.describe('The overrides as stored; {} when the org has none'),
    policyVersion: z.string().nullable().describe('Version of the policy bundle these overrides are merged into (null when unknown to this server)'),
  })
  .meta({ id: 'AiPolicySettingsView' });
export type PolicySettingsView = z.infer<typeof PolicySettingsView>;

/** Ten years: longer-lived integrations should be re-minted, and the database keeps seconds in an int. */
export const CREDENTIAL_TTL_MAX_SEC = 10 * 365 * 24 * 3600;

export const CredentialInput = z
  .strictObject({
    name: lineText().trim().min(1).max(200),
    purposes: z.array(PurposeName).min(1).max(50).nullable().optional().describe('Purposes it may call for; absent or null = any purpose'),
    ttlSec: z.number().int().positive().max(CREDENTIAL_TTL_MAX_SEC).optional().describe('Lifetime in seconds; absent = 90 days (7776000). Every credential expires; mint a new one before it does.'),
  })
  .meta({ id: 'AiCredentialInput' });
export type CredentialInput = z.infer<typeof CredentialInput>;

export const Credential = z
  .object({
    id: Uuid,
    name: z.string(),
    purposes: z.array(z.string()).nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    state: z.enum(['active', 'revoked', 'expired']).describe('At the time of the answer'),
  })
  .meta({ id: 'AiCredential', description: 'A gateway service credential. Neither the secret nor its hash is ever shown again.' });
export type Credential = z.infer<typeof Credential>;

export const CredentialList = z.object({ credentials: z.array(Credential) }).meta({ id: 'AiCredentialList' });
export type CredentialList = z.infer<typeof CredentialList>;

export const MintedCredential = z
  .object({
    id: Uuid,
    secret: z.string().describe('Send as "Authorization: Bearer <secret>" to the gateway. Shown this once; only its sha256 is stored.'),
    credential: Credential,
  })
  .meta({ id: 'AiMintedCredential' });
export type MintedCredential = z.infer<typeof MintedCredential>;

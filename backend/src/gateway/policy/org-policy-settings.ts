import { z } from 'zod';
import { KINDS } from '../../../../app/redaction/kinds';

/**
 * The shape of an org's policy overrides (OrgPolicySettings), for the admin API to validate before
 * storing. The Rego merges them over resources/policies/data.json with object.union: objects merge
 * key by key, lists and values replace the default, and a purpose set to null is off for the org.
 */
export const PurposePolicySettings = z
  .object({
    kind: z.enum(['chat', 'stt']).optional(),
    /** Public model names allowed for the purpose (replaces the default list). */
    models: z.array(z.string().min(1)).optional(),
    /** Roles that may call the purpose; auditors stay read-only whatever is listed. */
    roles: z.array(z.enum(['clinician', 'supervisor', 'org_admin', 'auditor', 'service'])).optional(),
    max_tokens: z.number().int().nonnegative().optional(),
    restore_kinds: z.array(z.enum(KINDS)).optional(),
    /** Allow data that cannot be redacted (audio) to reach a provider that requires redaction. */
    allow_unredacted: z.boolean().optional(),
  })
  .strict();

export const OrgPolicySettingsSchema = z
  .object({
    purposes: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), PurposePolicySettings.nullable()).optional(),
    /** Provider regions the org accepts (replaces the default list). */
    allowed_regions: z.array(z.string().min(1)).optional(),
    /** An org may only make redaction stricter; which provider kinds are exempt is not an org setting. */
    redaction: z.object({ always: z.boolean().optional() }).strict().optional(),
  })
  .strict();
export type OrgPolicySettingsInput = z.infer<typeof OrgPolicySettingsSchema>;

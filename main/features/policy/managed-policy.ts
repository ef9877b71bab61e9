import { z } from 'zod';
import { backendUrlProblem } from '../../../app/contracts/backend-url';
import { UpdateChannelName } from '../../../app/contracts/release-manifest';

/**
 * Settings IT enforces centrally. The same key names on every platform: registry values under
 * HKLM\Software\Policies\FeedbackEvaluation (Group Policy, resources/policy/*.admx), the managed
 * preferences plist (configuration profile, resources/policy/*.mobileconfig), and
 * /etc/feedback-evaluation/policy.json on Linux. A managed value beats the user's setting.
 */
export const POLICY_KEYS = {
  BackendUrl: { field: 'backendUrl', kind: 'string', doc: "The org's backend (https://…); users cannot change it." },
  OrgId: { field: 'orgId', kind: 'string', doc: "The org's id, so the update feed applies the org's rollout share." },
  IdentityProvider: { field: 'identityProvider', kind: 'string', doc: 'Sign-in method offered: oidc, saml or link.' },
  UpdateChannel: { field: 'updateChannel', kind: 'string', doc: 'stable, beta, or a version to pin to (e.g. 1.4.2).' },
  AutoUpdate: { field: 'autoUpdate', kind: 'boolean', doc: 'In-app updates on (1) or off (0, IT deploys new MSIs itself).' },
  LocalDraft: { field: 'localDraft', kind: 'boolean', doc: 'Allow the on-device draft transcript (1) or not (0).' },
  ProxyServer: { field: 'proxy', kind: 'string', doc: 'system, direct, or a proxy URL such as http://proxy.example.org:3128.' },
} as const;
export type PolicyKey = keyof typeof POLICY_KEYS;

export const ManagedPolicy = z.object({
  backendUrl: z.string().superRefine((u, ctx) => {
    const p = backendUrlProblem(u);
    if (p) ctx.addIssue({ code: 'custom', message: `BackendUrl ${p}` });
  }).optional(),
  orgId: z.string().uuid().optional(),
  identityProvider: z.enum(['oidc', 'saml', 'link']).optional(),
  updateChannel: UpdateChannelName.optional(),
  autoUpdate: z.boolean().optional(),
  localDraft: z.boolean().optional(),
  proxy: z.union([z.enum(['system', 'direct']), z.string().regex(/^(https?|socks5?):\/\/[^\s/]+\/?$/, 'system, direct or a proxy URL')]).optional(),
});
export type ManagedPolicy = z.infer<typeof ManagedPolicy>;

export interface PolicyReading {
  policy: ManagedPolicy;
  /** Where it came from (registry key, plist, json file), for the settings screen and logs. */
  source: string | null;
  /** Values that were set but invalid or unknown: ignored, never guessed. */
  problems: { key: string; code: 'policy.invalid'; message: string }[];
}

/** Raw name → value pairs from any platform source into the typed policy; each bad key is reported and dropped. */
export function policyFromValues(values: Record<string, unknown>, source: string | null): PolicyReading {
  const out: Record<string, unknown> = {};
  const problems: PolicyReading['problems'] = [];
  for (const [name, raw] of Object.entries(values)) {
    const key = POLICY_KEYS[name as PolicyKey];
    if (!key) {
      problems.push({ key: name, code: 'policy.invalid', message: `Unknown policy key ${name}; known: ${Object.keys(POLICY_KEYS).join(', ')}` });
      continue;
    }
    const value = key.kind === 'boolean' ? toBoolean(raw) : typeof raw === 'string' ? raw.trim() : raw;
    const one = ManagedPolicy.shape[key.field].safeParse(value);
    if (!one.success || one.data === undefined) problems.push({ key: name, code: 'policy.invalid', message: `${name}=${JSON.stringify(raw)}: ${one.success ? 'not a value' : one.error.issues.map((i) => i.message).join('; ')}` });
    else out[key.field] = one.data;
  }
  return { policy: out as ManagedPolicy, source, problems };
}

function toBoolean(v: unknown): unknown {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1' || v === 'true') return true;
  if (v === 0 || v === '0' || v === 'false') return false;
  return v;
}

/** Which settings fields are managed: the settings screen shows them read-only. */
export function managedFields(p: ManagedPolicy): (keyof ManagedPolicy)[] {
  return (Object.keys(p) as (keyof ManagedPolicy)[]).filter((k) => p[k] !== undefined);
}

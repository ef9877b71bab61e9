import type { Kind } from '../../../../app/redaction/kinds';
import type { CallKind, ModelRoute, OrgPolicySettings, PolicyDecision, PolicyEngine, PolicyInput, ProviderRouter } from '../gateway-contracts';

export type Target = ModelRoute['targets'][number];

export interface GateResult {
  /** Targets the policy allows, in the route's fallback order. */
  allowed: Target[];
  /**
   * One decision valid for whichever allowed target serves: redact if any requires it, restore
   * only kinds all allow, the smallest max_tokens. Null when nothing is allowed.
   */
  decision: PolicyDecision | null;
  /** Reasons of the denials (deduplicated), for the 403 answer. */
  reasons: string[];
}

/** Asks the policy once per candidate target (each has its own provider and region). */
export function decideTargets(
  policy: PolicyEngine,
  router: ProviderRouter,
  q: { orgId: string; role: PolicyInput['role']; purpose: string; kind: CallKind; model: string; maxTokens: number | null; settings: OrgPolicySettings },
  targets: readonly Target[],
): GateResult {
  const allowed: Target[] = [];
  const decisions: PolicyDecision[] = [];
  const reasons = new Set<string>();
  for (const t of targets) {
    const p = router.provider(t.providerId);
    const input: PolicyInput = {
      orgId: q.orgId,
      role: q.role,
      purpose: q.purpose,
      kind: q.kind,
      model: q.model,
      provider: { id: p.id, kind: p.kind, region: p.region },
      maxTokens: q.maxTokens,
      // Only text can be redacted: audio reaches a provider that requires redaction only where the org allows it unredacted.
      redactionAvailable: q.kind === 'chat',
    };
    const d = policy.decide(input, q.settings);
    if (d.allow) {
      allowed.push(t);
      decisions.push(d);
    } else {
      for (const r of d.reasons.length ? d.reasons : [`denied for provider ${p.id}`]) reasons.add(r);
    }
  }
  if (decisions.length === 0) return { allowed, decision: null, reasons: [...reasons] };
  const restore = decisions.map((d) => new Set<Kind>(d.restoreKinds));
  const decision: PolicyDecision = {
    allow: true,
    reasons: [],
    redact: decisions.some((d) => d.redact),
    restoreKinds: decisions[0]!.restoreKinds.filter((k) => restore.every((s) => s.has(k))),
    maxTokens: Math.min(...decisions.map((d) => d.maxTokens)),
    version: decisions[0]!.version,
  };
  return { allowed, decision, reasons: [...reasons] };
}

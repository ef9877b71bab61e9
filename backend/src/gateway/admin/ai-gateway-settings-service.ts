import { AppError } from '../../../../app/contracts/errors';
import type { Credential, CredentialInput, MintedCredential, PolicySettingsView } from '../../../../app/contracts/ai-gateway-settings-api';
import type { Role } from '../../../../app/contracts/api';
import { isUuid, type Database, type Tx } from '../../db/database';
import { appendAuditEvent } from '../../db/repositories/audit';
import { getOrgPolicySettings, setOrgPolicySettings } from '../../db/repositories/org-policy-settings';
import { listServiceCredentials, mintServiceCredential, revokeServiceCredential, type ServiceCredential } from '../../db/repositories/service-credentials';
import type { OrgPolicySettings } from '../gateway-contracts';
import { OrgPolicySettingsSchema } from '../policy/org-policy-settings';
import type { AdminCaller } from './ai-admin-service';

export interface AiGatewaySettingsService {
  /** The org's policy overrides ({} when none). */
  getPolicy(who: AdminCaller): Promise<PolicySettingsView>;
  /**
   * Replaces the org's overrides as a whole after checking them against OrgPolicySettingsSchema
   * (request.invalid with each issue's path in details.issues). The gateway applies them within its
   * settings cache time.
   */
  putPolicy(who: AdminCaller, body: unknown): Promise<PolicySettingsView>;
  listCredentials(who: AdminCaller): Promise<Credential[]>;
  /** A new credential; the secret is in this answer only. */
  mintCredential(who: AdminCaller, input: CredentialInput): Promise<MintedCredential>;
  /** credential.not_found when the org has no such credential; revoking a revoked one changes nothing. */
  revokeCredential(who: AdminCaller, credentialId: string): Promise<void>;
}

export interface AiGatewaySettingsOptions {
  /** The policy bundle version to report beside the overrides (e.g. readPolicySources().version). */
  policyVersion?: string;
  now?: () => Date;
}

const READERS: readonly Role[] = ['org_admin', 'auditor'];
const WRITERS: readonly Role[] = ['org_admin'];

function allow(who: AdminCaller, roles: readonly Role[]) {
  if (!who.roles.some((r) => roles.includes(r))) throw new AppError('auth.forbidden', `Your role (${who.roles.join(', ') || 'none'}) may not do this: it needs ${roles.join(' or ')}.`);
}

/**
 * `db` whose withOrg joins the already open transaction `tx`, so a repository call and the audit
 * event recording it commit or roll back together (the repositories open their own transaction).
 */
function joining(db: Database, tx: Tx): Database {
  return {
    ...db,
    withOrg<T>(orgId: string, fn: (t: Tx) => Promise<T>): Promise<T> {
      if (orgId !== tx.orgId) return Promise.reject(new AppError('internal', `A transaction of org ${tx.orgId} cannot serve org ${orgId}`));
      return fn(tx);
    },
  };
}

export function createAiGatewaySettingsService(db: Database, opts: AiGatewaySettingsOptions = {}): AiGatewaySettingsService {
  const policyVersion = opts.policyVersion ?? null;
  const now = opts.now ?? (() => new Date());

  function view(c: ServiceCredential): Credential {
    const state = c.revokedAt !== null ? 'revoked' : Date.parse(c.expiresAt) <= now().getTime() ? 'expired' : 'active';
    return { id: c.id, name: c.name, purposes: c.purposes, createdAt: c.createdAt, expiresAt: c.expiresAt, revokedAt: c.revokedAt, state };
  }

  return {
    async getPolicy(who) {
      allow(who, READERS);
      return { settings: await getOrgPolicySettings(db, who.orgId), policyVersion };
    },

    async putPolicy(who, body) {
      allow(who, WRITERS);
      const parsed = OrgPolicySettingsSchema.safeParse(body);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
        throw new AppError('request.invalid', `Invalid policy settings: ${issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`, { status: 400, details: { issues } });
      }
      const settings = parsed.data as OrgPolicySettings;
      return db.withOrg(who.orgId, async (tx) => {
        const stored = await setOrgPolicySettings(joining(db, tx), who.orgId, settings);
        await appendAuditEvent(tx, { actorUserId: who.userId, action: 'ai.policy.set', targetType: 'ai_org_policy', targetId: who.orgId, data: { settings: stored.settings } });
        return { settings: stored.settings, policyVersion };
      });
    },

    async listCredentials(who) {
      allow(who, READERS);
      return (await listServiceCredentials(db, who.orgId)).map(view);
    },

    async mintCredential(who, input) {
      allow(who, WRITERS);
      return db.withOrg(who.orgId, async (tx) => {
        const minted = await mintServiceCredential(joining(db, tx), who.orgId, { name: input.name, purposes: input.purposes ?? null, ttlSec: input.ttlSec });
        const c = minted.credential;
        await appendAuditEvent(tx, { actorUserId: who.userId, action: 'ai.credential.minted', targetType: 'ai_service_credential', targetId: c.id, data: { name: c.name, purposes: c.purposes, expiresAt: c.expiresAt } });
        return { id: minted.id, secret: minted.secret, credential: view(c) };
      });
    },

    async revokeCredential(who, credentialId) {
      allow(who, WRITERS);
      if (!isUuid(credentialId)) throw new AppError('credential.not_found', `No service credential ${credentialId}`);
      await db.withOrg(who.orgId, async (tx) => {
        const joined = joining(db, tx);
        const before = (await listServiceCredentials(joined, who.orgId)).find((c) => c.id === credentialId);
        if (!before) throw new AppError('credential.not_found', `No service credential ${credentialId}`);
        if (before.revokedAt !== null) return;
        if (!(await revokeServiceCredential(joined, who.orgId, credentialId))) throw new AppError('credential.not_found', `No service credential ${credentialId}`);
        await appendAuditEvent(tx, { actorUserId: who.userId, action: 'ai.credential.revoked', targetType: 'ai_service_credential', targetId: credentialId, data: { name: before.name, purposes: before.purposes } });
      });
    },
  };
}

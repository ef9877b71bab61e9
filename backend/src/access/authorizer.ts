import { AppError } from '../../../app/contracts/errors';
import type { Database, Tx } from '../db/database';
import { isUuid } from '../db/database';
import { appendAuditEvent } from '../db/repositories/audit';
import { listSupervisees } from '../db/repositories/supervision';
import type { Identity } from '../db/repositories/identity';
import type { AccessAction, AccessDecision, AccessEngine, AccessResource, AccessSubject, SessionResource, UserSubject } from './access-policy';

export interface AuthorizerDeps {
  db: Database;
  engine: AccessEngine;
  log?: (m: string, d?: Record<string, unknown>) => void;
}

const notFound = (sessionId: string) => new AppError('session.not_found', `Session ${sessionId} not found`);

/** The session as the access policy sees it, or null when the org has no such session. */
export async function loadSessionResource(tx: Tx, sessionId: string): Promise<SessionResource | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<{ id: string; org_id: string; created_by: string }>('SELECT id, org_id, created_by FROM sessions WHERE id = $1', [sessionId]);
  const s = rows[0];
  return s ? { type: 'session', orgId: s.org_id, id: s.id, createdBy: s.created_by } : null;
}

/**
 * Decisions of the access policy, with the audit records it asks for, and the errors every
 * surface answers alike: a session the subject may not know of (another clinician's, another
 * org's, a missing one) is `session.not_found` (404); one it may see but not change is
 * `auth.forbidden` (403).
 */
export function createAuthorizer(deps: AuthorizerDeps) {
  const { db, engine } = deps;

  async function record(subject: AccessSubject, action: AccessAction, resource: AccessResource | { type: 'session'; orgId: string; id: string; missing: true }, d: Pick<AccessDecision, 'allow' | 'reasons'>, extra: Record<string, unknown> = {}) {
    const targetId = resource.type === 'session' ? resource.id : resource.type === 'upload' ? resource.session.id : null;
    try {
      await db.withOrg(subject.orgId, (tx) =>
        appendAuditEvent(tx, {
          actorUserId: subject.kind === 'user' ? subject.userId : null,
          action: d.allow ? 'access.granted' : 'access.denied',
          targetType: resource.type === 'upload' ? 'session' : resource.type,
          targetId,
          data: { action, reasons: d.reasons, policyVersion: engine.version, ...(subject.kind === 'guest' ? { guestId: subject.guestId } : {}), ...extra },
        }),
      );
    } catch (e) {
      // A read that cannot be audited is not served.
      deps.log?.('access audit failed', { err: (e as Error).message, action });
      throw new AppError('internal', 'The access decision could not be audited', { cause: e });
    }
  }

  function refusal(d: AccessDecision, action: AccessAction, resource: AccessResource): AppError {
    if (!d.visible && resource.type === 'session') return notFound(resource.id);
    if (!d.visible && resource.type === 'upload') return new AppError('upload.not_found', 'No such upload');
    return new AppError('auth.forbidden', `You may not ${action} here: ${d.reasons.join('; ') || 'denied'}.`, { details: { action, reasons: d.reasons } });
  }

  return {
    engine,
    db,

    /** The access subject of a signed-in user: their roles, and (for supervisors) the clinicians assigned to them. */
    async subjectOf(who: Identity): Promise<UserSubject> {
      const supervisees = who.roles.includes('supervisor') ? await db.withOrg(who.orgId, (tx) => listSupervisees(tx, who.userId)) : [];
      return { kind: 'user', orgId: who.orgId, userId: who.userId, roles: who.roles, supervisees };
    },

    /** The session as the policy sees it, read in `orgId` (an upload's org, an event's org). */
    loadSession: (orgId: string, sessionId: string) => db.withOrg(orgId, (tx) => loadSessionResource(tx, sessionId)),

    /** Decide without side effects (filters: which sessions of a list or which events a subscriber sees). */
    permits(subject: AccessSubject, action: AccessAction, resource: AccessResource): boolean {
      return engine.decide(action, subject, resource).allow;
    },

    /** Decide, audit what the policy asks to be audited, and throw the refusal. */
    async require(subject: AccessSubject, action: AccessAction, resource: AccessResource): Promise<AccessDecision> {
      const d = engine.decide(action, subject, resource);
      if (d.audit) await record(subject, action, resource, d);
      if (!d.allow) throw refusal(d, action, resource);
      return d;
    },

    /**
     * Audits a list read that names participants (GET /v1/sessions): one `access.granted` record on
     * the org naming every session returned, not one per session. Throws (the list is not served)
     * when the record cannot be written.
     */
    async recordListRead(subject: AccessSubject, action: AccessAction, sessionIds: readonly string[]): Promise<void> {
      await record(subject, action, { type: 'org', orgId: subject.orgId }, { allow: true, reasons: [] }, { sessionIds });
    },

    /** Load the session in the subject's org and require `action` on it; a missing session is a denial too. */
    async requireSession(subject: AccessSubject, action: AccessAction, sessionId: string): Promise<SessionResource> {
      const s = await db.withOrg(subject.orgId, (tx) => loadSessionResource(tx, sessionId));
      if (!s) {
        await record(subject, action, { type: 'session', orgId: subject.orgId, id: sessionId.slice(0, 100), missing: true }, { allow: false, reasons: ['no such session in this organisation'] });
        throw notFound(sessionId);
      }
      await this.require(subject, action, s);
      return s;
    },
  };
}
export type Authorizer = ReturnType<typeof createAuthorizer>;

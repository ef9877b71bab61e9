import { AppError } from '../../../app/contracts/errors';
import { loadPolicyBundle, type LoadPolicyOptions } from '../gateway/policy/opa-policy';

/** The rule the access policy answers (resources/policies/access.rego), compiled beside the gateway's. */
export const ACCESS_ENTRYPOINT = 'feedback/access/decision';

/** Every action the access policy knows (keep in step with access.rego; a test checks both ways). */
export const ACCESS_ACTIONS = [
  'me.read',
  'rubrics.read',
  'session.create',
  'session.list',
  'session.read',
  'session.update',
  'session.consent',
  'session.invite',
  'session.upload',
  'session.evaluate',
  'session.read_transcript',
  'session.read_analysis',
  'session.read_report',
  'session.delete',
  'upload.create',
  'upload.patch',
  'upload.head',
  'upload.delete',
  'call.join_owner',
  'call.join_guest',
  'events.subscribe',
  'audit.read',
  'ai_admin.read',
  'ai_admin.write',
  'org_settings.read',
  'org_settings.write',
  'gateway.call',
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

export interface UserSubject {
  kind: 'user';
  orgId: string;
  userId: string;
  roles: readonly string[];
  /** Clinicians assigned to this user as supervisor (empty unless they are one). */
  supervisees: readonly string[];
}
export interface GuestSubject {
  kind: 'guest';
  orgId: string;
  guestId: string;
  /** The one session the guest's pass was issued for. */
  sessionId: string;
}
export type AccessSubject = UserSubject | GuestSubject;

export interface SessionResource {
  type: 'session';
  orgId: string;
  id: string;
  createdBy: string;
}
export interface UploadResource {
  type: 'upload';
  orgId: string;
  uploadedBy: string;
  session: SessionResource;
}
export type AccessResource = { type: 'org'; orgId: string } | SessionResource | UploadResource;

export interface AccessDecision {
  allow: boolean;
  reasons: string[];
  /** Whether the subject may know the session exists (a denial it may not know of answers 404). */
  visible: boolean;
  /** The policy asks for this decision to be recorded in the audit trail. */
  audit: boolean;
  version: string;
}

export interface AccessEngine {
  version: string;
  decide(action: AccessAction, subject: AccessSubject, resource: AccessResource): AccessDecision;
}

const sessionInput = (r: SessionResource) => ({ type: 'session', org_id: r.orgId, id: r.id, created_by: r.createdBy });

/** The `input` document of access.rego, snake_case like the gateway's. */
export function toAccessInput(action: AccessAction, subject: AccessSubject, resource: AccessResource) {
  return {
    action,
    subject: subject.kind === 'user'
      ? { kind: 'user', org_id: subject.orgId, user_id: subject.userId, roles: [...subject.roles], supervisees: [...subject.supervisees] }
      : { kind: 'guest', org_id: subject.orgId, guest_id: subject.guestId, session_id: subject.sessionId },
    resource: resource.type === 'org'
      ? { type: 'org', org_id: resource.orgId }
      : resource.type === 'session'
        ? sessionInput(resource)
        : { type: 'upload', org_id: resource.orgId, uploaded_by: resource.uploadedBy, session: sessionInput(resource.session) },
  };
}

/** Anything but a well-formed answer denies (and is audited). */
export function toAccessDecision(result: unknown, version: string): AccessDecision {
  const r = result as Partial<Omit<AccessDecision, 'version'>> | undefined;
  if (!r || typeof r !== 'object' || typeof r.allow !== 'boolean' || !Array.isArray(r.reasons) || typeof r.visible !== 'boolean' || typeof r.audit !== 'boolean') {
    return { allow: false, reasons: [`access policy ${version} gave no decision`], visible: false, audit: true, version };
  }
  const reasons = r.reasons.map(String);
  return { allow: r.allow && reasons.length === 0, reasons, visible: r.visible, audit: r.audit || !r.allow, version };
}

/**
 * The access policy from the same wasm bundle as the gateway's (docs/decisions/013): decide() is
 * synchronous and in-process, tens of microseconds.
 */
export async function loadAccessEngine(opts: LoadPolicyOptions): Promise<AccessEngine> {
  const bundle = await loadPolicyBundle(opts);
  if (!bundle.entrypoints.includes(ACCESS_ENTRYPOINT)) {
    throw new AppError('config.invalid', `The policy bundle in ${opts.bundleDir} has no ${ACCESS_ENTRYPOINT} entrypoint (built ${bundle.version}); rebuild it with \`npm run setup\`.`);
  }
  return {
    version: bundle.version,
    decide: (action, subject, resource) => toAccessDecision(bundle.evaluate(toAccessInput(action, subject, resource), ACCESS_ENTRYPOINT), bundle.version),
  };
}

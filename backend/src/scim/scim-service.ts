import SCIMMY from 'scimmy';
import { AppError } from '../../../app/contracts/errors';
import type { Database, Tx } from '../db/database';
import { isUuid } from '../db/database';
import { revokeUserApiTokens, ROLES, setRoles, type Role } from '../db/repositories/identity';
import { revokeUserRefreshTokens } from '../db/repositories/refresh-tokens';
import { appendAuditEvent } from '../db/repositories/audit';
import {
  checkScimCredential, deleteScimGroup, deleteScimUser, getScimGroup, getScimUser, groupsOfUser, insertScimUser, listScimGroups, listScimUsers, putScimGroup, updateScimUser,
  type ScimGroupRow, type ScimUserRow,
} from '../db/repositories/scim';

export const SCIM_BASE = '/scim/v2';
/** `fe_scim_<org id>.<secret>`: the org rides in the credential, so it is checked under that org's row security. */
export const SCIM_TOKEN = /^fe_scim_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9_-]{43}$/;

/** What every SCIM handler runs with: the request's transaction and the org's group → role map. */
interface ScimContext {
  tx: Tx;
  roleMap: Record<string, Role>;
}

const SCIMError = SCIMMY.Types.Error;

/** Anything but SCIMMY's own error is a server fault: SCIMMY would otherwise answer it 404 "not found". */
function guarded<A extends unknown[], R>(fn: (...a: A) => Promise<R>): (...a: A) => Promise<R> {
  return async (...a) => {
    try {
      return await fn(...a);
    } catch (e) {
      if (e instanceof SCIMError) throw e;
      throw new SCIMError(500, null as unknown as string, `Internal error: ${(e as Error).message}`);
    }
  };
}

const ctxOf = (ctx: unknown) => ctx as ScimContext;

function userOut(u: ScimUserRow, groups: { id: string; displayName: string }[]) {
  return {
    id: u.id,
    userName: u.email,
    ...(u.externalId ? { externalId: u.externalId } : {}),
    ...(u.name ? { name: u.name } : {}),
    displayName: u.displayName,
    active: u.active,
    emails: [{ value: u.email, primary: true, type: 'work' }],
    groups: groups.map((g) => ({ value: g.id, display: g.displayName, type: 'direct' })),
    meta: { created: new Date(u.createdAt), lastModified: new Date(u.updatedAt) },
  };
}

function groupOut(g: ScimGroupRow) {
  return {
    id: g.id,
    displayName: g.displayName,
    ...(g.externalId ? { externalId: g.externalId } : {}),
    members: g.members.map((m) => ({ value: m.userId, display: m.displayName, type: 'User' })),
    meta: { created: new Date(g.createdAt), lastModified: new Date(g.updatedAt) },
  };
}

/** A role for a group: the org's map first, else a group named exactly like a role. */
function roleOfGroup(roleMap: Record<string, Role>, displayName: string): Role | null {
  if (Object.hasOwn(roleMap, displayName)) return roleMap[displayName]!;
  return (ROLES as readonly string[]).includes(displayName) ? (displayName as Role) : null;
}

/** Group membership is the source of a provisioned user's roles: recomputed for every user whose groups changed. */
async function syncRoles(c: ScimContext, userIds: readonly string[]) {
  for (const userId of userIds) {
    const roles = [...new Set((await groupsOfUser(c.tx, userId)).map((g) => roleOfGroup(c.roleMap, g.displayName)).filter((r): r is Role => r !== null))].sort();
    await setRoles(c.tx, userId, roles);
    await appendAuditEvent(c.tx, { action: 'scim.roles_set', targetType: 'user', targetId: userId, data: { roles } });
  }
}

function emailOf(instance: { userName?: string; emails?: { value?: string; primary?: boolean }[] }): string {
  const candidates = [instance.userName, ...(instance.emails ?? []).sort((a, b) => Number(!!b.primary) - Number(!!a.primary)).map((e) => e.value)];
  const email = candidates.find((v): v is string => typeof v === 'string' && /^[^@\s]+@[^@\s]+$/.test(v));
  if (!email) throw new SCIMError(400, 'invalidValue', 'userName (or a primary email) must be an email address');
  return email.toLowerCase();
}

/** SCIM's 404 for a resource id (no scimType: RFC 7644 defines none for it). */
const notFound = (id: string | undefined) => new SCIMError(404, null as unknown as string, `Resource ${id} not found`);

let declared = false;
/** SCIMMY keeps its resource handlers globally: declared once, each request passing its own context. */
function declareResources() {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User.basepath(SCIM_BASE) as typeof SCIMMY.Resources.User)
    .egress(guarded(async (resource: InstanceType<typeof SCIMMY.Resources.User>, ctx: unknown) => {
      const c = ctxOf(ctx);
      if (resource.id) {
        const u = await getScimUser(c.tx, resource.id);
        if (!u) throw notFound(resource.id);
        return userOut(u, await groupsOfUser(c.tx, u.id));
      }
      const all = await Promise.all((await listScimUsers(c.tx)).map(async (u) => userOut(u, await groupsOfUser(c.tx, u.id))));
      return resource.filter ? resource.filter.match(all) : all;
    }) as never)
    .ingress(guarded(async (resource: InstanceType<typeof SCIMMY.Resources.User>, instance: Record<string, unknown>, ctx: unknown) => {
      const c = ctxOf(ctx);
      const i = instance as { userName?: string; displayName?: string; externalId?: string; active?: boolean; name?: ScimUserRow['name']; emails?: { value?: string; primary?: boolean }[] };
      const email = emailOf(i);
      const name = i.name ? { ...(i.name.givenName ? { givenName: i.name.givenName } : {}), ...(i.name.familyName ? { familyName: i.name.familyName } : {}), ...(i.name.formatted ? { formatted: i.name.formatted } : {}) } : null;
      const displayName = (i.displayName ?? name?.formatted ?? ([name?.givenName, name?.familyName].filter(Boolean).join(' ') || email)).slice(0, 200);
      const input = { email, displayName, externalId: i.externalId ?? null, name, active: i.active !== false };
      let u: ScimUserRow | null;
      if (resource.id) {
        const before = await getScimUser(c.tx, resource.id);
        if (!before) throw notFound(resource.id);
        u = await updateScimUser(c.tx, resource.id, input).catch((e: { code?: string }) => {
          if (e.code === '23505') throw new SCIMError(409, 'uniqueness', `userName ${email} is taken in this organisation`);
          throw e;
        });
        if (before.active && !input.active) {
          // Deactivated: its tokens are revoked now (and resolve_api_token refuses an inactive user anyway).
          const revoked = await revokeUserApiTokens(c.tx, before.id);
          const revokedRefresh = await revokeUserRefreshTokens(c.tx, before.id);
          await appendAuditEvent(c.tx, { action: 'scim.user_deactivated', targetType: 'user', targetId: before.id, data: { revokedTokens: revoked, revokedRefreshTokens: revokedRefresh } });
        } else {
          await appendAuditEvent(c.tx, { action: 'scim.user_updated', targetType: 'user', targetId: before.id, data: { active: input.active } });
        }
      } else {
        u = await insertScimUser(c.tx, input);
        if (!u) throw new SCIMError(409, 'uniqueness', `userName ${email} already exists in this organisation`);
        await appendAuditEvent(c.tx, { action: 'scim.user_provisioned', targetType: 'user', targetId: u.id, data: { externalId: input.externalId } });
      }
      return userOut(u!, await groupsOfUser(c.tx, u!.id));
    }) as never)
    .degress(guarded(async (resource: InstanceType<typeof SCIMMY.Resources.User>, ctx: unknown) => {
      const c = ctxOf(ctx);
      const id = resource.id ?? '';
      const groups = isUuid(id) ? await groupsOfUser(c.tx, id) : [];
      if (!(await deleteScimUser(c.tx, id))) throw notFound(id);
      const revoked = await revokeUserApiTokens(c.tx, id);
      const revokedRefresh = await revokeUserRefreshTokens(c.tx, id);
      await setRoles(c.tx, id, []);
      await appendAuditEvent(c.tx, { action: 'scim.user_deleted', targetType: 'user', targetId: id, data: { revokedTokens: revoked, revokedRefreshTokens: revokedRefresh, groups: groups.map((g) => g.displayName) } });
    }) as never);

  SCIMMY.Resources.declare(SCIMMY.Resources.Group.basepath(SCIM_BASE) as typeof SCIMMY.Resources.Group)
    .egress(guarded(async (resource: InstanceType<typeof SCIMMY.Resources.Group>, ctx: unknown) => {
      const c = ctxOf(ctx);
      if (resource.id) {
        const g = await getScimGroup(c.tx, resource.id);
        if (!g) throw notFound(resource.id);
        return groupOut(g);
      }
      const all = (await listScimGroups(c.tx)).map(groupOut);
      return resource.filter ? resource.filter.match(all) : all;
    }) as never)
    .ingress(guarded(async (resource: InstanceType<typeof SCIMMY.Resources.Group>, instance: Record<string, unknown>, ctx: unknown) => {
      const c = ctxOf(ctx);
      const i = instance as { displayName?: string; externalId?: string; members?: { value?: string }[] };
      if (!i.displayName) throw new SCIMError(400, 'invalidValue', 'displayName is required');
      const r = await putScimGroup(c.tx, resource.id ?? null, { displayName: i.displayName, externalId: i.externalId ?? null, memberIds: (i.members ?? []).map((m) => String(m.value ?? '')) }).catch((e: { code?: string }) => {
        if (e.code === '23505') throw new SCIMError(409, 'uniqueness', `A group named ${i.displayName} exists in this organisation`);
        throw e;
      });
      if (!r) throw resource.id ? new SCIMError(404, null as unknown as string, `Resource ${resource.id} not found`) : new SCIMError(409, 'uniqueness', `A group named ${i.displayName} exists in this organisation`);
      await appendAuditEvent(c.tx, { action: resource.id ? 'scim.group_updated' : 'scim.group_provisioned', targetType: 'scim_group', targetId: r.group.id, data: { displayName: r.group.displayName, role: roleOfGroup(c.roleMap, r.group.displayName), membersChanged: r.changed.length } });
      await syncRoles(c, r.changed);
      return groupOut(r.group);
    }) as never)
    .degress(guarded(async (resource: InstanceType<typeof SCIMMY.Resources.Group>, ctx: unknown) => {
      const c = ctxOf(ctx);
      const members = await deleteScimGroup(c.tx, resource.id ?? '');
      if (!members) throw notFound(resource.id);
      await appendAuditEvent(c.tx, { action: 'scim.group_deleted', targetType: 'scim_group', targetId: resource.id!, data: {} });
      await syncRoles(c, members);
    }) as never);
}

export type ScimResourceName = 'Users' | 'Groups';
export type ScimOperation = { op: 'list'; query: Record<string, string | undefined> } | { op: 'get'; id: string; query: Record<string, string | undefined> } | { op: 'create'; body: unknown } | { op: 'replace'; id: string; body: unknown } | { op: 'patch'; id: string; body: unknown } | { op: 'delete'; id: string };

/** A SCIM answer: status and body (a SCIM resource, ListResponse or Error, with our stable `code` on errors). */
export interface ScimAnswer {
  status: number;
  body: Record<string, unknown> | null;
}

const scimCode = (status: number) => (status === 400 ? 'scim.invalid' : status === 404 ? 'scim.not_found' : status === 409 ? 'scim.conflict' : status === 401 ? 'auth.scim_credential_invalid' : status === 501 ? 'scim.unsupported' : 'internal');

/** A SCIM error body (RFC 7644 3.12) with the stable code beside it. */
export function scimError(status: number, detail: string, scimType?: string): ScimAnswer {
  return { status, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), ...(scimType ? { scimType } : {}), detail, code: scimCode(status) } };
}

/**
 * SCIM 2.0 provisioning (docs/decisions/021) with SCIMMY: users and groups of the org whose SCIM
 * credential signs the request, each request one transaction under that org's row security.
 */
export function createScimService(opts: { db: Database }) {
  declareResources();
  return {
    /** The org and role map a SCIM bearer credential stands for; throws auth.scim_credential_invalid. */
    async authenticate(token: string | null): Promise<{ orgId: string; roleMap: Record<string, Role> }> {
      const m = SCIM_TOKEN.exec(token ?? '');
      const roleMap = m ? await opts.db.withOrg(m[1]!, (tx) => checkScimCredential(tx, token!)) : null;
      if (!m || !roleMap) throw new AppError('auth.scim_credential_invalid', 'Send the organisation\'s SCIM credential: Authorization: Bearer fe_scim_…');
      return { orgId: m[1]!, roleMap };
    },

    async handle(org: { orgId: string; roleMap: Record<string, Role> }, resource: ScimResourceName, op: ScimOperation): Promise<ScimAnswer> {
      const Type = resource === 'Users' ? SCIMMY.Resources.User : SCIMMY.Resources.Group;
      try {
        return await opts.db.withOrg(org.orgId, async (tx): Promise<ScimAnswer> => {
          const ctx: ScimContext = { tx, roleMap: org.roleMap };
          const config = (q: Record<string, string | undefined>) => ({
            ...(q.filter ? { filter: q.filter } : {}),
            ...(q.attributes ? { attributes: q.attributes } : {}),
            ...(q.excludedAttributes ? { excludedAttributes: q.excludedAttributes } : {}),
            ...(q.startIndex ? { startIndex: Number(q.startIndex) } : {}),
            ...(q.count ? { count: Number(q.count) } : {}),
          });
          const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
          switch (op.op) {
            case 'list':
              return { status: 200, body: json(await new Type(undefined, config(op.query)).read(ctx)) };
            case 'get':
              return { status: 200, body: json(await new Type(op.id, config(op.query)).read(ctx)) };
            case 'create':
              return { status: 201, body: json(await new Type().write(op.body, ctx)) };
            case 'replace':
              return { status: 200, body: json(await new Type(op.id).write(op.body, ctx)) };
            case 'patch':
              return { status: 200, body: json(await new Type(op.id).patch(op.body as never, ctx)) };
            case 'delete':
              await new Type(op.id).dispose(ctx);
              return { status: 204, body: null };
          }
        });
      } catch (e) {
        if (e instanceof SCIMError) return scimError(e.status, e.message, e.scimType ?? undefined);
        throw e;
      }
    },
  };
}
export type ScimService = ReturnType<typeof createScimService>;

import { OrgSettingsRoutes } from '../../../../app/contracts/org-settings-api';
import type { ApiRoute } from '../route-table';
import { contractRoute } from '../contract-route';
import type { DesktopSessions } from '../../auth/desktop-sessions';

/** `/v1/admin/session-lifetimes` (org admin: org_settings.read / org_settings.write), from its declaration in app/contracts. */
export function orgSettingsRoutes(sessions: DesktopSessions): ApiRoute[] {
  const { getSessionLifetimes: get, putSessionLifetimes: put } = OrgSettingsRoutes;
  return [
    contractRoute(get, { resource: 'org', action: 'org_settings.read' }, async (_in, ctx) => ({ status: 200, body: await sessions.lifetimes(ctx!.identity.orgId) })),
    contractRoute(put, { resource: 'org', action: 'org_settings.write' }, async ({ body }, ctx) => ({ status: 200, body: await sessions.setLifetimes(ctx!.identity.orgId, ctx!.identity.userId, body) })),
  ];
}

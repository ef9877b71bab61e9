import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { OrgSettingsRoutes } from '../../../../app/contracts/org-settings-api';
import type { ApiRoute } from '../route-table';
import { identityOf } from '../auth';
import type { DesktopSessions } from '../../auth/desktop-sessions';

/** `/v1/admin/session-lifetimes` (org admin: org_settings.read / org_settings.write), from its declaration in app/contracts. */
export function orgSettingsRoutes(sessions: DesktopSessions): ApiRoute[] {
  const { getSessionLifetimes: get, putSessionLifetimes: put } = OrgSettingsRoutes;
  return [
    { method: get.method, path: get.path, resource: 'org', action: 'org_settings.read', handler: async (_req, res) => {
      res.json(get.response.parse(await sessions.lifetimes(identityOf(res).orgId)));
    } },
    { method: put.method, path: put.path, resource: 'org', action: 'org_settings.write', handler: async (req, res) => {
      const id = identityOf(res);
      res.json(put.response.parse(await sessions.setLifetimes(id.orgId, id.userId, put.body.parse(req.body))));
    } },
  ];
}

export function registerOrgSettingsOpenApi(reg: OpenAPIRegistry, h: { security: RouteConfig['security']; errors: RouteConfig['responses']; json: (schema: z.ZodType, description: string) => RouteConfig['responses'][number] }) {
  for (const r of Object.values(OrgSettingsRoutes)) {
    reg.registerPath({
      method: r.method,
      path: `/v1${r.path}`,
      operationId: r.operationId,
      summary: `${r.summary} Problems: ${r.errors.join(', ')}`,
      security: h.security,
      ...(r.body ? { request: { body: { required: true, content: { 'application/json': { schema: r.body } } } } } : {}),
      responses: { 200: h.json(r.response, 'OK'), ...h.errors },
    });
  }
}

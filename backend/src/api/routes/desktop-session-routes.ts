import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { DesktopSessionRoutes } from '../../../../app/contracts/desktop-session-api';
import type { ApiRoute } from '../route-table';
import type { DesktopSessions } from '../../auth/desktop-sessions';

/**
 * `/v1/auth/refresh` and `/v1/auth/revoke`, from their declarations in app/contracts (public: the
 * refresh token is the credential; an access token may already have expired).
 */
export function desktopSessionRoutes(sessions: DesktopSessions): ApiRoute[] {
  const { refresh, revoke } = DesktopSessionRoutes;
  return [
    { method: refresh.method, path: refresh.path, resource: 'public', action: null, handler: async (req, res) => {
      const body = refresh.body.parse(req.body);
      res.set('Cache-Control', 'no-store').json(refresh.response.parse(await sessions.refresh(body.refreshToken)));
    } },
    { method: revoke.method, path: revoke.path, resource: 'public', action: null, handler: async (req, res) => {
      const body = revoke.body.parse(req.body);
      res.set('Cache-Control', 'no-store').json(revoke.response.parse({ revoked: await sessions.revoke(body.refreshToken) }));
    } },
  ];
}

export function registerDesktopSessionOpenApi(reg: OpenAPIRegistry, h: { errors: RouteConfig['responses']; json: (schema: z.ZodType, description: string) => RouteConfig['responses'][number] }) {
  for (const r of Object.values(DesktopSessionRoutes)) {
    reg.registerPath({ method: r.method, path: `/v1${r.path}`, operationId: r.operationId, summary: `${r.summary} Problems: ${r.errors.join(', ')}`, request: { body: { required: true, content: { 'application/json': { schema: r.body } } } }, responses: { 200: h.json(r.response, 'OK'), ...h.errors } });
  }
}

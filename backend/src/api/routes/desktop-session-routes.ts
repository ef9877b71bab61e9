import { DesktopSessionRoutes } from '../../../../app/contracts/desktop-session-api';
import type { ApiRoute } from '../route-table';
import { contractRoute } from '../contract-route';
import type { DesktopSessions } from '../../auth/desktop-sessions';

/**
 * `/v1/auth/refresh` and `/v1/auth/revoke`, from their declarations in app/contracts (public: the
 * refresh token is the credential; an access token may already have expired).
 */
export function desktopSessionRoutes(sessions: DesktopSessions): ApiRoute[] {
  const { refresh, revoke } = DesktopSessionRoutes;
  return [
    contractRoute(refresh, { resource: 'public', action: null }, async ({ body }, _ctx, _req, res) => {
      res.set('Cache-Control', 'no-store');
      return { status: 200, body: await sessions.refresh(body.refreshToken) };
    }),
    contractRoute(revoke, { resource: 'public', action: null }, async ({ body }, _ctx, _req, res) => {
      res.set('Cache-Control', 'no-store');
      return { status: 200, body: { revoked: await sessions.revoke(body.refreshToken) } };
    }),
  ];
}

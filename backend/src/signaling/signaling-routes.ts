import { SessionApiRoutes } from '../../../app/contracts/session-api';
import { isAppError } from '../../../app/contracts/errors';
import { noFailureLimit, type FailureLimiter } from '../api/abuse-limits';
import type { ApiRoute } from '../api/route-table';
import { contractRoute } from '../api/contract-route';
import type { InviteService } from './invite-service';

/**
 * `POST /v1/sessions/:id/invites` (session.invite: the session's creator only, decision 033) and `POST /v1/join`
 * (a guest, no token: joining is how a guest gets one). Rows of the API's route table.
 */
export function signalingRoutes(invites: InviteService, limits: { joinLimit?: FailureLimiter } = {}): ApiRoute[] {
  const joinLimit = limits.joinLimit ?? noFailureLimit;
  return [
    contractRoute(SessionApiRoutes.createInvite, { resource: 'session', action: 'session.invite' }, async ({ params }, ctx) => ({ status: 201, body: await invites.createInvite(ctx!.identity, params.id) })),
    // Wrong codes are limited per client address (req.ip: trusted proxies only), checked before the code is looked at.
    contractRoute(SessionApiRoutes.join, { resource: 'public', action: null }, async ({ body }, _ctx, req) => {
      const client = req.ip ?? 'unknown';
      await joinLimit.check(client);
      try {
        return { status: 201, body: await invites.redeem(body) };
      } catch (e) {
        if (isAppError(e) && e.code === 'invite.invalid') await joinLimit.failed(client);
        throw e;
      }
    }),
  ];
}

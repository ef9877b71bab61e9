import { JoinRequest } from '../../../app/contracts/signaling';
import { isAppError } from '../../../app/contracts/errors';
import { noFailureLimit, type FailureLimiter } from '../api/abuse-limits';
import type { ApiRoute } from '../api/route-table';
import type { InviteService } from './invite-service';

/**
 * `POST /v1/sessions/:id/invites` (session.invite: the session's creator only, decision 033) and `POST /v1/join`
 * (a guest, no token: joining is how a guest gets one). Rows of the API's route table.
 */
export function signalingRoutes(invites: InviteService, limits: { joinLimit?: FailureLimiter } = {}): ApiRoute[] {
  const joinLimit = limits.joinLimit ?? noFailureLimit;
  return [
    {
      method: 'post', path: '/sessions/:id/invites', resource: 'session', action: 'session.invite',
      handler: async (req, res, ctx) => {
        res.status(201).json(await invites.createInvite(ctx!.identity, String(req.params.id)));
      },
    },
    {
      // Wrong codes are limited per client address (req.ip: trusted proxies only), checked before the code is looked at.
      method: 'post', path: '/join', resource: 'public', action: null,
      handler: async (req, res) => {
        const client = req.ip ?? 'unknown';
        await joinLimit.check(client);
        try {
          res.status(201).json(await invites.redeem(JoinRequest.parse(req.body ?? {})));
        } catch (e) {
          if (isAppError(e) && e.code === 'invite.invalid') await joinLimit.failed(client);
          throw e;
        }
      },
    },
  ];
}

import { Router } from 'express';
import { JoinRequest } from '../../../app/contracts/signaling';
import { isAppError } from '../../../app/contracts/errors';
import { noFailureLimit, type FailureLimiter } from '../api/abuse-limits';
import { authenticate, identityOf, requireRole, type IdentityResolver, type SignInThrottle } from '../api/auth';
import type { InviteService } from './invite-service';

/**
 * `POST /v1/sessions/:id/invites` (the owner, normal token) and `POST /v1/join` (a guest, no
 * token). Mounted before the authenticated /v1 router, since joining is how a guest gets a token.
 */
export function signalingRoutes(invites: InviteService, resolver: IdentityResolver, limits: { throttle?: SignInThrottle; joinLimit?: FailureLimiter } = {}): Router {
  const r = Router();
  const joinLimit = limits.joinLimit ?? noFailureLimit;
  r.post('/v1/sessions/:id/invites', authenticate(resolver, limits.throttle), requireRole('clinician', 'org_admin'), async (req, res) => {
    res.status(201).json(await invites.createInvite(identityOf(res), String(req.params.id)));
  });
  // Wrong codes are limited per client address (req.ip: trusted proxies only), checked before the code is looked at.
  r.post('/v1/join', async (req, res) => {
    const client = req.ip ?? 'unknown';
    await joinLimit.check(client);
    try {
      res.status(201).json(await invites.redeem(JoinRequest.parse(req.body ?? {})));
    } catch (e) {
      if (isAppError(e) && e.code === 'invite.invalid') await joinLimit.failed(client);
      throw e;
    }
  });
  return r;
}

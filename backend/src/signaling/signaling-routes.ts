import { Router } from 'express';
import { JoinRequest } from '../../../app/contracts/signaling';
import { authenticate, identityOf, requireRole, type IdentityResolver } from '../api/auth';
import type { InviteService } from './invite-service';

/**
 * `POST /v1/sessions/:id/invites` (the owner, normal token) and `POST /v1/join` (a guest, no
 * token). Mounted before the authenticated /v1 router, since joining is how a guest gets a token.
 */
export function signalingRoutes(invites: InviteService, resolver: IdentityResolver): Router {
  const r = Router();
  r.post('/v1/sessions/:id/invites', authenticate(resolver), requireRole('clinician', 'org_admin'), async (req, res) => {
    res.status(201).json(await invites.createInvite(identityOf(res), String(req.params.id)));
  });
  r.post('/v1/join', async (req, res) => {
    res.status(201).json(await invites.redeem(JoinRequest.parse(req.body ?? {})));
  });
  return r;
}

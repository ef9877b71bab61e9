import type { Database } from '../db/database';
import type { IdentityResolver } from '../api/auth';
import type { Authorizer } from '../access/authorizer';
import { checkIceConfig, type IceConfig } from './ice-servers';
import { createInviteService } from './invite-service';
import { createSignalingHub } from './signaling-hub';
import type { SignInThrottle } from '../api/auth';
import type { FailureLimiter } from '../api/abuse-limits';
import { signalingRoutes } from './signaling-routes';

export interface SignalingOptions {
  db: Database;
  ice: IceConfig;
  inviteTtlSec: number;
  guestTokenTtlSec: number;
  heartbeatMs?: number;
}

/** The config keys signaling reads (see backend/src/config.ts). */
export interface SignalingConfig {
  stunUrls: readonly string[];
  turnUrls: readonly string[];
  turnSecret?: string | undefined;
  turnTtlSec: number;
  inviteTtlSec: number;
  guestTokenTtlSec: number;
}

export function signalingOptionsFrom(config: SignalingConfig, db: Database): SignalingOptions {
  return { db, ice: { stunUrls: config.stunUrls, turnUrls: config.turnUrls, turnSecret: config.turnSecret, turnTtlSec: config.turnTtlSec }, inviteTtlSec: config.inviteTtlSec, guestTokenTtlSec: config.guestTokenTtlSec };
}

/** Invites, guest join and the signaling WebSocket (its upgrade handler), wired for one API server. */
export function createSignaling(opts: SignalingOptions, resolver: IdentityResolver, authorizer: Authorizer, extra: { throttle?: SignInThrottle; joinLimit?: FailureLimiter; maxConnectionsPerParticipant?: number; log?: (m: string, d?: Record<string, unknown>) => void } = {}) {
  checkIceConfig(opts.ice);
  const invites = createInviteService(opts);
  return {
    invites,
    routes: signalingRoutes(invites, { joinLimit: extra.joinLimit }),
    hub: createSignalingHub({ db: opts.db, resolver, authorizer, resolveGuest: invites.resolveGuest, ice: opts.ice, heartbeatMs: opts.heartbeatMs, throttle: extra.throttle, maxConnectionsPerParticipant: extra.maxConnectionsPerParticipant, log: extra.log }),
  };
}

import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../../../app/contracts/errors';
import type { Database } from '../db/database';
import { limitKeyOf } from './client-address';

/** At most `failures` within `windowSec` from one client address; the next attempt waits until the window ends. */
export interface FailureLimit {
  failures: number;
  windowSec: number;
}

/**
 * Failed attempts of one kind (sign-ins with a bad token, joins with a wrong invite code) per
 * client address. `check` comes before the attempt is judged, so a blocked client learns nothing,
 * not even whether its next guess would have been right.
 */
export interface FailureLimiter {
  /** Throws rate.limited (429, details.retryAfterSec) while the client is blocked. */
  check(client: string): Promise<void>;
  /** Counts a failure; throws rate.limited when this one used up the allowance. */
  failed(client: string): Promise<void>;
}

export const noFailureLimit: FailureLimiter = { check: async () => undefined, failed: async () => undefined };

function limited(what: string, msBeforeNext: number): AppError {
  const retryAfterSec = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError('rate.limited', `Too many ${what} from your address; try again in ${retryAfterSec} s.`, { details: { retryAfterSec } });
}

/**
 * rate-limiter-flexible's RateLimiterPostgres over the fe_limits.rate_limits table (migration
 * *_single_use_invites_rate_limits), so every API process counts into the same rows. Its queries
 * run through db.withoutOrg, i.e. as fe_app like everything else (the table belongs to no org). A
 * client found blocked is also remembered in this process until its block ends
 * (inMemoryBlockOnConsumed), so a flood of attempts from it costs no database round trips.
 */
export function createFailureLimiter(db: Database, opts: { name: string; limit: FailureLimit; what: string }): FailureLimiter {
  const points = opts.limit.failures;
  const limiter = new RateLimiterPostgres({
    storeClient: { query: (q: { text: string; values?: unknown[] }) => db.withoutOrg((tx) => tx.query(q.text, q.values)) },
    storeType: 'client',
    schemaName: 'fe_limits',
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix: opts.name,
    points,
    duration: opts.limit.windowSec,
    blockDuration: opts.limit.windowSec,
    inMemoryBlockOnConsumed: points + 1,
  });
  return {
    async check(client) {
      const key = limitKeyOf(client);
      // Public in rate-limiter-flexible's JavaScript, missing from its typings.
      const local = (limiter as unknown as { getInMemoryBlockMsBeforeExpire(rlKey: string): number }).getInMemoryBlockMsBeforeExpire(limiter.getKey(key));
      if (local > 0) throw limited(opts.what, local);
      const res = await limiter.get(key);
      if (res && res.consumedPoints > points) throw limited(opts.what, res.msBeforeNext);
    },
    async failed(client) {
      try {
        await limiter.consume(limitKeyOf(client));
      } catch (e) {
        if (e instanceof RateLimiterRes) throw limited(opts.what, e.msBeforeNext);
        throw e;
      }
    },
  };
}

export interface AbuseLimits {
  /** Bearer tokens that are unknown, expired or revoked: HTTP, uploads and both WebSockets. */
  signIn: FailureLimiter;
  /** POST /v1/join with a code that is unknown, used or expired. */
  join: FailureLimiter;
}

export function createAbuseLimits(db: Database, opts: { signIn: FailureLimit; join: FailureLimit }): AbuseLimits {
  return {
    signIn: createFailureLimiter(db, { name: 'auth', limit: opts.signIn, what: 'failed sign-ins' }),
    join: createFailureLimiter(db, { name: 'join', limit: opts.join, what: 'wrong invite codes' }),
  };
}

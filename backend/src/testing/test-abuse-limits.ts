import { createAbuseLimits, type AbuseLimits, type FailureLimit } from '../api/abuse-limits';
import type { Database } from '../db/database';

/** The real PostgreSQL limits, loose enough that tests sending a few wrong tokens never meet them. */
export function testAbuseLimits(db: Database, opts: { signIn?: FailureLimit; join?: FailureLimit } = {}): AbuseLimits {
  return createAbuseLimits(db, { signIn: opts.signIn ?? { failures: 500, windowSec: 60 }, join: opts.join ?? { failures: 500, windowSec: 60 } });
}

import { AppError } from '../../../app/contracts/errors';
import { isUuid } from '../db/database';
import { listRoles } from '../db/repositories/identity';
import { listSupervisees } from '../db/repositories/supervision';
import type { EvaluationAccess } from '../workflows/evaluation-deps';
import type { Authorizer } from './authorizer';

/**
 * The worker's access check: the user named in the workflow input must be a member of the input's
 * org and may session.evaluate that session (its owner or an org admin), decided by the same
 * policy as the API. A workflow without a requesting user is refused: nothing runs on nobody's behalf.
 */
export function evaluationAccess(authorizer: Authorizer): EvaluationAccess {
  return {
    async requireEvaluate(orgId, sessionId, userId) {
      if (!userId || !isUuid(userId)) throw new AppError('auth.forbidden', 'The evaluation names no requesting user; start it again from the API.');
      const { db } = authorizer;
      const { roles, supervisees } = await db.withOrg(orgId, async (tx) => ({ roles: await listRoles(tx, userId), supervisees: await listSupervisees(tx, userId) }));
      await authorizer.requireSession({ kind: 'user', orgId, userId, roles, supervisees }, 'session.evaluate', sessionId);
    },
  };
}

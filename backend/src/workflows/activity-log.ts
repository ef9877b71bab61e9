import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Log } from '../runtime/log';

/** The ids an activity's first argument carries (every evaluation activity gets them); nothing else of the input is logged. */
function idsOf(args: unknown[]): { evaluationId?: string; requestId?: string } {
  const a = args[0];
  if (!a || typeof a !== 'object') return {};
  const { evaluationId, requestId } = a as Record<string, unknown>;
  return { ...(typeof evaluationId === 'string' ? { evaluationId } : {}), ...(typeof requestId === 'string' ? { requestId } : {}) };
}

/**
 * One log line per activity execution under the API request that started the evaluation
 * (`requestId`): started at debug, completed at info with its time, failed at warn with the error
 * code (the workflow decides whether that ends the run). Only ids and codes: inputs and messages may
 * hold names.
 */
export function activityLog(log: Log): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const line = { activity: ctx.info.activityType, attempt: ctx.info.attempt, workflowId: ctx.info.workflowExecution?.workflowId, ...idsOf(input.args) };
        const t0 = performance.now();
        log.debug('activity started', line);
        try {
          const out = await next(input);
          log.info('activity completed', { ...line, ms: Math.round(performance.now() - t0) });
          return out;
        } catch (e) {
          const code = e instanceof ApplicationFailure && e.type ? e.type : 'internal';
          log.warn('activity failed', { ...line, ms: Math.round(performance.now() - t0), code });
          throw e;
        }
      },
    },
  });
}

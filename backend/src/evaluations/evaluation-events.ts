import pg from 'pg';
import { EvaluationEvent } from '../../../app/contracts/api';
import type { Tx } from '../db/database';
import type { Evaluation } from '../db/repositories/evaluations';

/** PostgreSQL NOTIFY channel that carries evaluation progress from any worker to every API process. */
export const EVENTS_CHANNEL = 'fe_evaluation_events';

export function eventOf(e: Evaluation): EvaluationEvent {
  return {
    type: 'evaluation',
    sessionId: e.sessionId,
    evaluationId: e.id,
    status: e.status,
    step: e.step ?? 'queued',
    progress: e.progress,
    error: e.errorCode ? { code: e.errorCode, message: e.errorMessage ?? '' } : null,
  };
}

/** Sent inside the transaction that changed the row: listeners hear of it only if it commits. */
export async function notifyEvaluation(tx: Tx, e: Evaluation): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify({ orgId: e.orgId, event: eventOf(e) })]);
}

/** One dedicated connection LISTENing; reconnects if it drops. */
export async function listenEvaluationEvents(url: string, onEvent: (orgId: string, e: EvaluationEvent) => void, log?: (m: string) => void): Promise<{ close(): Promise<void> }> {
  let client: pg.Client | undefined;
  let closed = false;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: 'feedback-evaluation events' });
    c.on('notification', (n) => {
      try {
        const { orgId, event } = JSON.parse(n.payload ?? '{}') as { orgId: string; event: unknown };
        onEvent(orgId, EvaluationEvent.parse(event));
      } catch (e) {
        log?.(`ignored malformed event: ${(e as Error).message}`);
      }
    });
    c.on('error', (e) => {
      log?.(`event listener connection error: ${e.message}`);
      if (!closed) setTimeout(() => void connect().catch(() => undefined), 1000);
    });
    await c.connect();
    await c.query(`LISTEN ${EVENTS_CHANNEL}`);
    client = c;
  };
  await connect();
  return {
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}

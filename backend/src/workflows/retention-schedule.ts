import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { RETENTION_SCHEDULE_ID, RETENTION_SWEEP } from './retention-types';

/**
 * The Temporal schedule that runs retentionSweep every `everySec` on `taskQueue`. Created once;
 * a later start with other settings updates it. Overlapping runs are skipped.
 */
export async function ensureRetentionSchedule(client: Client, opts: { taskQueue: string; everySec: number; scheduleId?: string }): Promise<string> {
  const scheduleId = opts.scheduleId ?? RETENTION_SCHEDULE_ID;
  const spec = { intervals: [{ every: `${opts.everySec}s` as const }] };
  const action = { type: 'startWorkflow' as const, workflowType: RETENTION_SWEEP, taskQueue: opts.taskQueue, workflowId: scheduleId };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' } });
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action }));
  }
  return scheduleId;
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker, type Logger } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { recordedHistories } from './recorded-histories';
import { workflowBundle } from './worker';


const EventType = temporal.api.enums.v1.EventType;
const histories = recordedHistories();
const eventsOf = (h: (typeof histories)[number]['history']) => h.events;
const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

/**
 * Histories of real runs (scripts/workflows/record-histories.ts) replayed on the workflow code as
 * it is now: a change that would break runs in flight (another activity, another order, a new
 * timer without `patched()`) fails here instead of in production.
 */
describe('recorded evaluateSession histories replay on the current workflow code', () => {
  it('has a completed run and a failed run of evaluateSession', () => {
    const kinds = histories.map(({ history }) => [eventsOf(history)[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name, eventsOf(history).at(-1)?.eventType]);
    expect(kinds).toContainEqual(['evaluateSession', EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]);
    expect(kinds).toContainEqual(['evaluateSession', EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]);
  });

  for (const { name, history } of histories) {
    it(`replays ${name} without a non-determinism error`, async () => {
      await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).resolves.toBeUndefined();
    }, 120_000);
  }

  describe('a workflow changed incompatibly', () => {
    // Inside the repository so the bundler finds @temporalio/workflow; removed afterwards.
    const dir = mkdtempSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '.replay-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('fails the replay of the completed run: a timer before the first activity', async () => {
      const file = path.join(dir, 'workflows.ts');
      writeFileSync(
        file,
        [
          "import { sleep } from '@temporalio/workflow';",
          "import { evaluateSession as current } from '../workflows';",
          "export { retentionSweep, stepQuery } from '../workflows';",
          'export async function evaluateSession(input: Parameters<typeof current>[0]) {',
          "  await sleep('1 second');",
          '  return current(input);',
          '}',
        ].join('\n'),
      );
      const changed = await bundleWorkflowCode({ workflowsPath: file, logger: quiet });
      const completed = histories.find(({ history }) => eventsOf(history).at(-1)?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)!;
      await expect(Worker.runReplayHistory({ workflowBundle: changed }, completed.history)).rejects.toBeInstanceOf(DeterminismViolationError);
    }, 120_000);
  });
});

import { ActivityFailure, ApplicationFailure, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { EvaluationActivities } from './activities';
import type { EvaluateSessionInput, EvaluateSessionResult, EvaluationStep } from './evaluation-types';

// Which failures are worth another attempt is decided once, where an AppError becomes a failure
// (activity-failure.ts: RETRYABLE_CODES); every other code arrives marked non-retryable.
const retry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 };

const quick = proxyActivities<EvaluationActivities>({ startToCloseTimeout: '2 minutes', retry });
// Long CPU work heartbeats; a dead worker is noticed after heartbeatTimeout and the step moves on.
const heavy = proxyActivities<EvaluationActivities>({ startToCloseTimeout: '3 hours', heartbeatTimeout: '20 seconds', retry });

// The retention schedule's workflow, registered in the same bundle (docs/decisions/016).
export { retentionSweep } from './retention-workflow';

export const stepQuery = defineQuery<{ step: EvaluationStep }>('step');

/**
 * One evaluation of one recording: decode → transcribe each channel → metrics → code the
 * clinician's units → score each rubric section → write the narrative → assemble (every cited unit
 * id checked) → PDF (docs/decisions/011). Only references travel through
 * history; every activity is idempotent.
 */
export async function evaluateSession(input: EvaluateSessionInput): Promise<EvaluateSessionResult> {
  let step: EvaluationStep = 'decoding';
  setHandler(stepQuery, () => ({ step }));
  const ids = { orgId: input.orgId, sessionId: input.sessionId, evaluationId: input.evaluationId, requestId: input.requestId };
  try {
    const prepared = await heavy.prepareRecording({ ...ids, recording: input.recording, requestedBy: input.requestedBy });

    step = 'transcribing';
    const parts = [];
    for (const channel of [0, 1] as const) {
      parts.push(await heavy.transcribeChannel({ ...ids, recording: input.recording, channel, regions: prepared.regions[channel], durationSec: prepared.durationSec }));
    }

    step = 'metrics';
    const assembled = await quick.assembleTranscript({ ...ids, parts, prepared });

    const plan = await quick.planAnalysis({ ...ids, rubricId: input.rubricId });
    // Every call's Idempotency-Key starts with the workflow id; each step adds its own part (`:coding:2:try1`, `:section:<id>:try1`, …).
    const key = workflowInfo().workflowId;
    const analysisIds = { ...ids, rubricId: input.rubricId, transcript: assembled.transcript };
    let coding = null;
    if (plan.coding) {
      step = 'coding';
      coding = await heavy.codeUnits({ ...analysisIds, idempotencyKey: key });
    }

    step = 'analyzing';
    const sections = [];
    for (const [i, sectionId] of plan.sections.entries()) {
      sections.push(await heavy.analyzeSection({ ...analysisIds, sectionId, coding, index: i, of: plan.sections.length, idempotencyKey: key }));
    }
    step = 'summarizing';
    const narrative = await heavy.writeNarrative({ ...analysisIds, coding, sections, idempotencyKey: key });

    step = 'verifying';
    const analysis = await quick.assembleAnalysis({ ...analysisIds, coding, sections, narrative });

    step = 'rendering';
    const rendered = await heavy.renderReport({ ...ids, rubricId: input.rubricId, transcript: assembled.transcript, metrics: assembled.metrics, analysis, prepared });

    await quick.completeEvaluation({ ...ids, report: rendered.report, pages: rendered.pages });
    step = 'completed';
    return { report: rendered.report, pages: rendered.pages, analysis, transcript: assembled.transcript, metrics: assembled.metrics };
  } catch (e) {
    const cause = e instanceof ActivityFailure ? e.cause : e;
    const code = cause instanceof ApplicationFailure && cause.type ? cause.type : 'evaluation.failed';
    const message = cause instanceof Error ? cause.message : String(cause);
    await quick.failEvaluation({ ...ids, code, message, step });
    step = 'failed';
    throw ApplicationFailure.nonRetryable(message, code);
  }
}

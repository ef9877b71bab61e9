import { useEffect, useRef, useState } from 'react';
import { remainingSeconds, remainingText } from './evaluation-estimate';
import { ProgressBar } from './ProgressBar';
import { EVALUATION_STEPS, elapsedText, stepLabel, stepRows } from './evaluation-steps';
import { failureText } from './failure-text';

const MARK = { done: '✓', current: '…', pending: '', failed: '✗' } as const;
const STATE_TEXT = { done: 'done', current: 'in progress', pending: 'not started', failed: 'failed' } as const;

interface Props {
  status: 'queued' | 'running' | 'completed' | 'failed';
  step: string;
  progress: number;
  startedAt?: string | undefined;
  finishedAt?: string | null;
  error?: { code: string; message: string } | null;
  /** The recording's length: with it, a running evaluation also shows an estimate of the time left. */
  audioSec?: number | undefined;
}

/** The workflow's named steps with checkmarks, the overall bar and the time since the evaluation started; a failure is shown at its step. */
export function EvaluationProgress({ status, step, progress, startedAt, finishedAt, error, audioSec }: Props) {
  const [now, setNow] = useState(() => Date.now());
  const active = status === 'queued' || status === 'running';
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  const started = startedAt ? Date.parse(startedAt) : NaN;
  const end = finishedAt ? Date.parse(finishedAt) : now;
  const elapsed = Number.isNaN(started) ? null : elapsedText(end - started);
  const elapsedSec = Number.isNaN(started) ? null : Math.max(0, (end - started) / 1000);
  const row = EVALUATION_STEPS.findIndex((r) => (r.ids as readonly string[]).includes(step));
  // When this page saw the current step begin (null: it was already running when the page opened).
  const seen = useRef<{ row: number; at: number | null } | null>(null);
  if (seen.current === null) seen.current = { row, at: row <= 0 && elapsedSec !== null && elapsedSec < 2 ? 0 : null };
  else if (seen.current.row !== row) seen.current = { row, at: elapsedSec };
  const remaining = active && audioSec !== undefined && elapsedSec !== null ? remainingText(remainingSeconds({ audioSec, row, elapsedSec, rowStartedAtSec: seen.current.at })) : null;
  const pct = Math.round((status === 'completed' ? 1 : progress) * 100);
  // The percentage is of the whole evaluation, not of the step it is in: say so.
  const headline = status === 'completed' ? 'Done: 100 %' : status === 'failed' ? `Stopped at ${stepLabel(step)} (${pct} % of the evaluation done)` : `${stepLabel(step)} — ${pct} % of the evaluation done`;
  const rows = stepRows(status, step);
  const failedHere = status === 'failed' && !rows.some((r) => r.state === 'failed');
  return (
    <div className="evaluation-progress">
      <ProgressBar label="Evaluation progress" value={status === 'completed' ? 1 : progress} text={headline} />
      {elapsed ? (
        <p className="help evaluation-time">
          <span data-testid="evaluation-elapsed">
            {active ? 'Running for' : 'Took'} {elapsed}
          </span>
          {remaining ? (
            <>
              <span aria-hidden="true"> · </span>
              <span data-testid="evaluation-remaining">{remaining}</span>
            </>
          ) : null}
        </p>
      ) : null}
      <ol className="steps" aria-label="Evaluation steps">
        {rows.map((r) => (
          <li key={r.id} className={`step step-${r.state}`} aria-current={r.state === 'current' ? 'step' : undefined}>
            <span className="step-mark" aria-hidden="true">
              {MARK[r.state]}
            </span>
            {r.label}
            <span className="visually-hidden"> ({STATE_TEXT[r.state]})</span>
            {r.state === 'failed' && error ? <StepFailure error={error} /> : null}
          </li>
        ))}
      </ol>
      {/* A failure before any named step (queued) still says what happened. */}
      {failedHere && error ? <StepFailure error={error} /> : null}
    </div>
  );
}

function StepFailure({ error }: { error: { code: string; message: string } }) {
  return (
    <p role="alert" className="error step-failure" data-code={error.code}>
      {failureText(error)}
    </p>
  );
}

import { useEffect, useState } from 'react';
import { ProgressBar } from './ProgressBar';
import { elapsedText, stepLabel, stepRows } from './evaluation-steps';
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
}

/** The workflow's named steps with checkmarks, the overall bar and the time since the evaluation started; a failure is shown at its step. */
export function EvaluationProgress({ status, step, progress, startedAt, finishedAt, error }: Props) {
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
  const pct = Math.round((status === 'completed' ? 1 : progress) * 100);
  // The percentage is of the whole evaluation, not of the step it is in: say so.
  const headline = status === 'completed' ? 'Done: 100 %' : status === 'failed' ? `Stopped at ${stepLabel(step)} (${pct} % of the evaluation done)` : `${stepLabel(step)} — ${pct} % of the evaluation done`;
  const rows = stepRows(status, step);
  const failedHere = status === 'failed' && !rows.some((r) => r.state === 'failed');
  return (
    <div className="evaluation-progress">
      <ProgressBar label="Evaluation progress" value={status === 'completed' ? 1 : progress} text={headline} />
      {elapsed ? (
        <p className="help" data-testid="evaluation-elapsed">
          {active ? 'Running for' : 'Took'} {elapsed}
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

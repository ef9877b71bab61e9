import { useCallback, useEffect, useRef, useState } from 'react';
import type { Segment } from '../../app/transcript/transcript';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';
import { EvaluationProgress } from './EvaluationProgress';
import { ReportView } from './ReportView';
import { ResultsView } from './ResultsView';
import { TranscriptView } from './TranscriptView';
import { UploadPanel } from './UploadPanel';
import { evaluationProgress, sessionStatusText } from './status-text';

const AUTO_KEY = 'fe.autoEvaluate';
const readAuto = () => window.localStorage.getItem(AUTO_KEY) !== 'off';

export function SessionPage({ sessionId }: { sessionId: string }) {
  const api = useApp((s) => s.api);
  const platform = useApp((s) => s.platform);
  const session = useApp((s) => s.sessions[sessionId]);
  const live = useApp((s) => s.live[sessionId]);
  const putSession = useApp((s) => s.putSession);
  const uploadState = useApp((s) => s.uploads.filter((u) => u.sessionId === sessionId).at(-1)?.state);
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useState<Segment[] | null>(null);
  const h = useFocusHeading<HTMLHeadingElement>();
  const [auto, setAuto] = useState(readAuto);
  const [autoPending, setAutoPending] = useState(false);
  const [autoStarting, setAutoStarting] = useState(false);
  const results = useRef<HTMLDivElement>(null);
  const sawRunning = useRef(false);

  const reload = useCallback(() => {
    api.session(sessionId).then(putSession, setError);
  }, [api, sessionId, putSession]);
  useEffect(reload, [reload]);
  const onUploaded = useCallback(() => {
    reload();
    if (readAuto()) setAutoPending(true);
  }, [reload]);
  // A pushed status change (queued → running → completed) also changes the session's status.
  useEffect(() => {
    if (live && session && live.status !== session.evaluation?.status) reload();
  }, [live?.status, session?.evaluation?.status, reload]);
  const start = useCallback(async () => {
    setError(null);
    try {
      putSession(await api.startEvaluation(sessionId));
    } catch (err) {
      setError(err);
      setAutoStarting(false);
    }
  }, [api, sessionId, putSession]);
  // Evaluation starts by itself once the upload this page followed is confirmed (unless turned off).
  const readyToAutoStart = autoPending && session?.status === 'recording_uploaded' && !session.evaluation;
  useEffect(() => {
    if (!readyToAutoStart) return;
    setAutoPending(false);
    setAutoStarting(true);
    void start();
  }, [readyToAutoStart, start]);
  useEffect(() => {
    const drafts = platform.drafts;
    if (!drafts.available) return;
    const load = () => drafts.get(sessionId).then((d) => setDraft(d.segments), () => undefined);
    load();
    // The complete draft may land after this page opened (the call room's finish was slow or failed over).
    return drafts.onUpdate((id, complete) => {
      if (id === sessionId && complete) load();
    });
  }, [platform, sessionId]);

  const isComplete = session?.status === 'completed';
  useEffect(() => {
    if (isComplete && sawRunning.current) results.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [isComplete]);

  if (!session) {
    return (
      <main>
        <h1 tabIndex={-1} ref={h}>Session</h1>
        {error ? <ErrorMessage error={error} context="Could not load the session" /> : <p role="status">Loading…</p>}
      </main>
    );
  }
  const progress = evaluationProgress(session, live);
  const canEvaluate = ['recording_uploaded', 'completed', 'failed'].includes(session.status) && progress?.status !== 'running' && progress?.status !== 'queued';
  const running = progress?.status === 'running' || progress?.status === 'queued';
  const whyDisabled = canEvaluate ? null : running ? 'An evaluation is already running.' : uploadState === 'failed' ? 'The upload was refused, so there is no recording to evaluate. Upload another recording first.' : 'Upload the recording first; the evaluation needs it.';
  const complete = session.status === 'completed';
  // The one thing to do next, once the recording is in and no evaluation has run yet.
  const uploadedOnly = session.status === 'recording_uploaded' && !session.evaluation;
  const nextAction = uploadedOnly ? (auto && (autoPending || autoStarting) ? 'Recording uploaded. The evaluation starts automatically.' : 'Recording uploaded. Next: press "Start evaluation".') : null;
  // Results come first once ready; if they became ready while this page was open, bring them into view.
  if (running) sawRunning.current = true;
  const primary = uploadedOnly || session.status === 'failed';
  const toggleAuto = (on: boolean) => {
    window.localStorage.setItem(AUTO_KEY, on ? 'on' : 'off');
    setAuto(on);
  };

  return (
    <main>
      <h1 tabIndex={-1} ref={h}>{session.title}</h1>
      <p>
        Status: <strong data-testid="session-status">{sessionStatusText(session.status, uploadState)}</strong>
      </p>
      <ul className="participants" aria-label="Participants">
        {session.participants.map((p) => (
          <li key={p.channel}>
            <strong>{p.displayName}</strong> ({p.roleLabel}){p.channel === 0 ? ', you' : ''} — {p.consented ? 'consent recorded' : 'consent not yet given'}
          </li>
        ))}
      </ul>
      <p>
        <a className="button" href={`#/sessions/${session.id}/call`}>
          Open the call room
        </a>
      </p>
      <ErrorMessage error={error} />
      {complete ? (
        <div ref={results} className="results-first">
          <ResultsView session={session} />
        </div>
      ) : null}
      <UploadPanel sessionId={session.id} stored={session.recording} onUploaded={onUploaded} />
      <section aria-labelledby="evaluation-h">
        <h2 id="evaluation-h">Evaluation</h2>
        {nextAction ? (
          <p className="next-action" data-testid="next-action">
            {nextAction}
          </p>
        ) : null}
        {progress ? (
          <div data-testid="evaluation" data-status={progress.status}>
            <EvaluationProgress status={progress.status} step={progress.step} progress={progress.progress} error={progress.error} audioSec={session.recording?.durationSec} startedAt={session.evaluation?.startedAt} finishedAt={progress.status === 'completed' || progress.status === 'failed' ? (session.evaluation?.finishedAt ?? null) : null} />
          </div>
        ) : null}
        <button type="button" className={primary ? 'primary' : undefined} onClick={start} disabled={!canEvaluate} aria-describedby={whyDisabled ? 'evaluate-why' : undefined}>
          {session.status === 'completed' || session.status === 'failed' ? 'Evaluate again' : 'Start evaluation'}
        </button>
        {whyDisabled ? (
          <p id="evaluate-why" className="help">
            {whyDisabled}
          </p>
        ) : null}
        <label className="checkbox">
          <input type="checkbox" checked={auto} onChange={(e) => toggleAuto(e.target.checked)} /> Start the evaluation by itself after an upload
        </label>
      </section>
      <section aria-labelledby="draft-h">
        <h2 id="draft-h">Draft transcript</h2>
        {platform.drafts.available ? draft && draft.length ? <TranscriptView title="Draft transcript (on this device)" segments={draft} session={session} /> : <p>No draft yet.</p> : <p className="help">{platform.drafts.reason}</p>}
      </section>
      {complete ? <ReportView session={session} /> : null}
    </main>
  );
}

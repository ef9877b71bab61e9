import { useCallback, useEffect, useState } from 'react';
import type { Segment } from '../../app/transcript/transcript';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';
import { ProgressBar } from './ProgressBar';
import { ReportView } from './ReportView';
import { TranscriptView } from './TranscriptView';
import { UploadPanel } from './UploadPanel';
import { evaluationProgress, sessionStatusText } from './status-text';

export function SessionPage({ sessionId }: { sessionId: string }) {
  const api = useApp((s) => s.api);
  const platform = useApp((s) => s.platform);
  const session = useApp((s) => s.sessions[sessionId]);
  const live = useApp((s) => s.live[sessionId]);
  const putSession = useApp((s) => s.putSession);
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useState<Segment[] | null>(null);
  const h = useFocusHeading<HTMLHeadingElement>();

  const reload = useCallback(() => {
    api.session(sessionId).then(putSession, setError);
  }, [api, sessionId, putSession]);
  useEffect(reload, [reload]);
  // A pushed status change (queued → running → completed) also changes the session's status.
  useEffect(() => {
    if (live && session && live.status !== session.evaluation?.status) reload();
  }, [live?.status, session?.evaluation?.status, reload]);
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
  const start = async () => {
    setError(null);
    try {
      putSession(await api.startEvaluation(session.id));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main>
      <h1 tabIndex={-1} ref={h}>{session.title}</h1>
      <p>
        Status: <strong data-testid="session-status">{sessionStatusText(session.status)}</strong>
      </p>
      <ul className="participants" aria-label="Participants">
        {session.participants.map((p) => (
          <li key={p.channel}>
            Channel {p.channel}: {p.displayName} ({p.roleLabel}) — {p.consented ? 'consent recorded' : 'consent not yet given'}
          </li>
        ))}
      </ul>
      <p>
        <a className="button" href={`#/sessions/${session.id}/call`}>
          Open the call room
        </a>
      </p>
      <ErrorMessage error={error} />
      <UploadPanel sessionId={session.id} onUploaded={reload} />
      <section aria-labelledby="draft-h">
        <h2 id="draft-h">Draft transcript</h2>
        {platform.drafts.available ? draft && draft.length ? <TranscriptView title="Draft transcript (on this device)" segments={draft} session={session} /> : <p>No draft yet.</p> : <p className="help">{platform.drafts.reason}</p>}
      </section>
      <section aria-labelledby="evaluation-h">
        <h2 id="evaluation-h">Evaluation</h2>
        {progress ? (
          <div data-testid="evaluation" data-status={progress.status}>
            <ProgressBar label="Evaluation progress" value={progress.progress} text={`${progress.status === 'completed' ? 'Done' : progress.step}: ${Math.round(progress.progress * 100)} %`} />
            {progress.error ? <ErrorMessage error={progress.error} context="The evaluation failed" /> : null}
          </div>
        ) : null}
        <button type="button" onClick={start} disabled={!canEvaluate}>
          {session.status === 'completed' || session.status === 'failed' ? 'Evaluate again' : 'Start evaluation'}
        </button>
      </section>
      {session.status === 'completed' ? <ReportView session={session} /> : null}
    </main>
  );
}

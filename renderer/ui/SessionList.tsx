import { useEffect, useState } from 'react';
import type { Rubric } from '../../app/rubric/rubric';
import type { SessionView } from '../../app/contracts/api';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { stepLabel } from './evaluation-steps';
import { useFocusHeading } from './focus-heading';
import { ProgressBar } from './ProgressBar';
import { evaluationProgress, sessionStatusText } from './status-text';

const clock = (sec: number) => `${Math.floor(sec / 60)}:${String(Math.round(sec % 60)).padStart(2, '0')}`;

export function SessionList() {
  const api = useApp((s) => s.api);
  const sessions = useApp((s) => s.sessions);
  const live = useApp((s) => s.live);
  const refresh = useApp((s) => s.refreshSessions);
  const uploads = useApp((s) => s.uploads);
  const [rubrics, setRubrics] = useState<Rubric[]>([]);
  const [error, setError] = useState<unknown>(null);
  const h = useFocusHeading<HTMLHeadingElement>();
  useEffect(() => {
    refresh().catch(setError);
    // Names only: a list without rubric names still works, so a failure here shows the id.
    api.rubrics().then(setRubrics, () => undefined);
  }, [refresh, api]);
  const rows = Object.values(sessions).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const rubricName = (id: string) => rubrics.find((r) => r.id === id)?.title ?? id;
  const badge = (s: SessionView) => {
    const upload = uploads.filter((u) => u.sessionId === s.id).at(-1)?.state;
    const kind = s.status === 'created' && upload === 'failed' ? 'refused' : s.status;
    return <span className={`badge badge-${kind}`}>{sessionStatusText(s.status, upload)}</span>;
  };
  return (
    <main>
      <h1 tabIndex={-1} ref={h}>Sessions</h1>
      <p>
        <a className="button" href="#/new">New session</a>
      </p>
      <ErrorMessage error={error} context="Could not load the sessions" />
      {rows.length === 0 ? (
        <p>No sessions yet. Create one with “New session”: you record or upload the call, and the evaluation follows.</p>
      ) : (
        <table className="session-table">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Rubric</th>
              <th scope="col">Date</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => {
              const p = evaluationProgress(s, live[s.id]);
              return (
                <tr key={s.id} data-session-id={s.id}>
                  <td>
                    <a href={`#/sessions/${s.id}`}>{s.title}</a>
                    <div className="meta">{s.participants.map((x) => `${x.displayName} (${x.roleLabel})`).join(' · ')}</div>
                  </td>
                  <td>{rubricName(s.rubricId)}</td>
                  <td>
                    {new Date(s.recordedAt ?? s.createdAt).toLocaleDateString(undefined, { dateStyle: 'medium' })}
                    {s.recording ? <div className="meta">Recording {clock(s.recording.durationSec)}</div> : null}
                  </td>
                  <td className="session-status">
                    {p && (p.status === 'running' || p.status === 'queued') ? <ProgressBar label={`Evaluation of ${s.title}`} value={p.progress} text={`${stepLabel(p.step)} ${Math.round(p.progress * 100)} %`} /> : badge(s)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}

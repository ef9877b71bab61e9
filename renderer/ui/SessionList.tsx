import { useEffect, useState } from 'react';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';
import { ProgressBar } from './ProgressBar';
import { stepLabel } from './evaluation-steps';
import { evaluationProgress, sessionStatusText } from './status-text';

export function SessionList() {
  const sessions = useApp((s) => s.sessions);
  const live = useApp((s) => s.live);
  const refresh = useApp((s) => s.refreshSessions);
  const uploads = useApp((s) => s.uploads);
  const [error, setError] = useState<unknown>(null);
  const h = useFocusHeading<HTMLHeadingElement>();
  useEffect(() => {
    refresh().catch(setError);
  }, [refresh]);
  const rows = Object.values(sessions).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <main>
      <h1 tabIndex={-1} ref={h}>Sessions</h1>
      <p>
        <a className="button" href="#/new">New session</a>
      </p>
      <ErrorMessage error={error} context="Could not load the sessions" />
      {rows.length === 0 ? (
        <p>No sessions yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Created</th>
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
                  </td>
                  <td>{new Date(s.createdAt).toLocaleString()}</td>
                  <td className="session-status">
                    {p && (p.status === 'running' || p.status === 'queued') ? <ProgressBar label={`Evaluation of ${s.title}`} value={p.progress} text={`${stepLabel(p.step)} ${Math.round(p.progress * 100)} %`} /> : sessionStatusText(s.status, uploads.filter((u) => u.sessionId === s.id).at(-1)?.state)}
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

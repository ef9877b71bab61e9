import { useCallback, useEffect, useRef, useState } from 'react';
import type { Rubric } from '../../app/rubric/rubric';
import type { SessionView } from '../../app/contracts/api';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { stepLabel } from './evaluation-steps';
import { useFocusHeading } from './focus-heading';
import { ProgressBar } from './ProgressBar';
import { durationText, filtersToQuery, hasFilters, NO_FILTERS, type SessionFilters } from './session-filters';
import { evaluationProgress, SESSION_STATUS_CHOICES, sessionStatusText } from './status-text';

/** Sessions per page; "Show more" asks the server for the next one (keyset cursor). */
const PAGE_SIZE = 20;
/** The search waits for a pause in typing before it asks the server. */
const SEARCH_PAUSE_MS = 300;

interface ListState {
  ids: string[];
  nextCursor: string | null;
  /** The filters this list was loaded for (its empty state depends on them). */
  loadedFor: SessionFilters | null;
}

export function SessionList() {
  const api = useApp((s) => s.api);
  const sessions = useApp((s) => s.sessions);
  const live = useApp((s) => s.live);
  const listSessions = useApp((s) => s.listSessions);
  const uploads = useApp((s) => s.uploads);
  const [rubrics, setRubrics] = useState<Rubric[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [filters, setFilters] = useState<SessionFilters>(NO_FILTERS);
  const [search, setSearch] = useState('');
  const [list, setList] = useState<ListState>({ ids: [], nextCursor: null, loadedFor: null });
  const [loading, setLoading] = useState(false);
  const request = useRef(0);
  const h = useFocusHeading<HTMLHeadingElement>();

  useEffect(() => {
    // Names only: a list without rubric names still works, so a failure here shows the id.
    api.rubrics().then(setRubrics, () => undefined);
  }, [api]);

  useEffect(() => {
    const t = setTimeout(() => setFilters((f) => (f.q === search ? f : { ...f, q: search })), SEARCH_PAUSE_MS);
    return () => clearTimeout(t);
  }, [search]);

  const load = useCallback(
    async (f: SessionFilters, cursor: string | null) => {
      // Only the latest request may write the list: an answer to an older filter arriving late is dropped.
      const mine = ++request.current;
      setLoading(true);
      try {
        const page = await listSessions({ ...filtersToQuery(f), limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
        if (mine !== request.current) return;
        setError(null);
        setList((l) => ({ ids: cursor ? [...l.ids, ...page.sessions.map((s) => s.id).filter((id) => !l.ids.includes(id))] : page.sessions.map((s) => s.id), nextCursor: page.nextCursor, loadedFor: f }));
      } catch (e) {
        if (mine === request.current) setError(e);
      } finally {
        if (mine === request.current) setLoading(false);
      }
    },
    [listSessions],
  );

  useEffect(() => void load(filters, null), [filters, load]);

  const rows = list.ids.map((id) => sessions[id]).filter((s): s is SessionView => !!s);
  const rubricName = (id: string) => rubrics.find((r) => r.id === id)?.title ?? id;
  const set = (patch: Partial<SessionFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const clear = () => {
    setSearch('');
    setFilters(NO_FILTERS);
  };
  const badge = (s: SessionView) => {
    const upload = uploads.filter((u) => u.sessionId === s.id).at(-1)?.state;
    const kind = s.status === 'created' && upload === 'failed' ? 'refused' : s.status;
    return <span className={`badge badge-${kind}`}>{sessionStatusText(s.status, upload)}</span>;
  };
  const filtered = list.loadedFor !== null && hasFilters(list.loadedFor);
  const newUser = list.loadedFor !== null && !filtered && rows.length === 0 && !error;

  return (
    <main className="session-list">
      <div className="page-head">
        <h1 tabIndex={-1} ref={h}>
          Sessions
        </h1>
        {newUser ? null : (
          <a className="button primary" href="#/new">
            New session
          </a>
        )}
      </div>
      <ErrorMessage error={error} context="Could not load the sessions" />
      {newUser ? (
        <section className="empty-state" aria-labelledby="empty-title">
          {/* Not "No sessions yet": a heading named like the page's ("Sessions") would make two headings answer to that name. */}
          <h2 id="empty-title">Start with your first session</h2>
          <p>You have no sessions yet. A session is one recorded conversation with a patient or client. Create one, record the call or upload its recording, and the evaluation follows by itself.</p>
          {/* The one "New session" link on the page: the heading's button gives way to it. */}
          <a className="button primary" href="#/new">
            New session
          </a>
        </section>
      ) : (
        <>
          <form className="session-filters" role="search" aria-label="Find sessions" onSubmit={(e) => (e.preventDefault(), set({ q: search }))}>
            <div className="filter filter-search">
              <label htmlFor="session-search">Search</label>
              <input id="session-search" type="search" value={search} placeholder="Title or participant" onChange={(e) => setSearch(e.target.value)} maxLength={100} />
            </div>
            <div className="filter">
              <label htmlFor="session-status">Status</label>
              <select id="session-status" value={filters.status} onChange={(e) => set({ status: e.target.value as SessionFilters['status'] })}>
                <option value="">Any status</option>
                {SESSION_STATUS_CHOICES.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="filter">
              <label htmlFor="session-rubric">Rubric</label>
              <select id="session-rubric" value={filters.rubricId} onChange={(e) => set({ rubricId: e.target.value })}>
                <option value="">Any rubric</option>
                {rubrics.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.title}
                  </option>
                ))}
              </select>
            </div>
            <div className="filter filter-date">
              <label htmlFor="session-from">From</label>
              <input id="session-from" type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => set({ from: e.target.value })} />
            </div>
            <div className="filter filter-date">
              <label htmlFor="session-to">To</label>
              <input id="session-to" type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => set({ to: e.target.value })} />
            </div>
            {hasFilters({ ...filters, q: search }) ? (
              <button type="button" className="secondary" onClick={clear}>
                Clear filters
              </button>
            ) : null}
          </form>
          <p className="list-count" aria-live="polite" data-testid="list-count">
            {list.loadedFor === null ? 'Loading sessions…' : rows.length === 0 ? '' : `Showing ${rows.length} ${rows.length === 1 ? 'session' : 'sessions'}${list.nextCursor ? ' — more below' : ''}${filtered ? ' that match' : ''}.`}
          </p>
          {list.loadedFor !== null && rows.length === 0 && !error ? (
            <div className="empty-state" data-testid="no-match">
              <p>No sessions match these filters.</p>
              <button type="button" className="secondary" onClick={clear}>
                Clear filters
              </button>
            </div>
          ) : null}
          {rows.length ? (
            <table className="session-table">
              <caption className="visually-hidden">Sessions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  <th scope="col">Rubric</th>
                  <th scope="col">Date</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => {
                  const p = evaluationProgress(s, live[s.id]);
                  return (
                    <tr key={s.id} data-session-id={s.id}>
                      <td className="session-title">
                        <a href={`#/sessions/${s.id}`}>{s.title}</a>
                        <div className="meta">{s.participants.map((x) => `${x.displayName} (${x.roleLabel})`).join(' · ')}</div>
                      </td>
                      <td data-label="Rubric">{rubricName(s.rubricId)}</td>
                      <td data-label="Date">{new Date(s.recordedAt ?? s.createdAt).toLocaleDateString(undefined, { dateStyle: 'medium' })}</td>
                      <td data-label="Duration">{s.recording ? (
                          durationText(s.recording.durationSec)
                        ) : (
                          <>
                            <span aria-hidden="true">—</span>
                            <span className="visually-hidden">No recording yet</span>
                          </>
                        )}</td>
                      <td className="session-status">
                        {p && (p.status === 'running' || p.status === 'queued') ? <ProgressBar label={`Evaluation of ${s.title}`} value={p.progress} text={`${stepLabel(p.step)} ${Math.round(p.progress * 100)} %`} /> : badge(s)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : null}
          {list.nextCursor ? (
            <button type="button" className="secondary" disabled={loading} onClick={() => void load(list.loadedFor ?? filters, list.nextCursor)}>
              {loading ? 'Loading…' : 'Show more sessions'}
            </button>
          ) : null}
        </>
      )}
    </main>
  );
}

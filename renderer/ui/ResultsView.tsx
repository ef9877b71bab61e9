import { useCallback, useEffect, useRef, useState } from 'react';
import type { SessionView } from '../../app/contracts/api';
import { sessionRecordingUrl } from '../../app/contracts/recording-api';
import type { VerifiedAnalysis } from '../../app/rubric/analysis';
import { unitClock, type TranscriptUnit } from '../../app/transcript/units';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { evidenceBlocks, playbackSpan } from './cited-evidence';

/**
 * The evaluation in the app: each scored item and sentence of feedback with the units it cites,
 * each unit playable. One <audio> streams the recording route with range requests; its src carries
 * the app token in the query because a media element sends no Authorization header (decision 027).
 */
export function ResultsView({ session }: { session: SessionView }) {
  const api = useApp((s) => s.api);
  const platform = useApp((s) => s.platform);
  const [analysis, setAnalysis] = useState<VerifiedAnalysis | null>(null);
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [playing, setPlaying] = useState<string | null>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const stopAt = useRef<number | null>(null);
  const evaluationId = session.evaluation?.id;

  useEffect(() => {
    let live = true;
    api.analysis(session.id).then((a) => live && setAnalysis(a), (e: unknown) => live && setError(e));
    void Promise.all([platform.apiBase(), platform.token.get()]).then(([base, token]) => live && setSrc(sessionRecordingUrl(base, session.id, token)));
    return () => {
      live = false;
    };
  }, [api, platform, session.id, evaluationId]);

  const play = useCallback((u: TranscriptUnit) => {
    const a = audio.current;
    if (!a) return;
    const { from, to } = playbackSpan(u);
    stopAt.current = to;
    setPlaying(u.id);
    const seekAndPlay = () => {
      a.currentTime = from;
      a.play().catch((e: unknown) => {
        setPlaying(null);
        setError(e);
      });
    };
    // Before its metadata the element cannot seek: wait for it.
    if (a.readyState >= HTMLMediaElement.HAVE_METADATA) seekAndPlay();
    else a.addEventListener('loadedmetadata', seekAndPlay, { once: true });
  }, []);

  const onTime = () => {
    const a = audio.current;
    if (a && stopAt.current !== null && a.currentTime >= stopAt.current) {
      stopAt.current = null;
      a.pause();
      setPlaying(null);
    }
  };
  const name = (ch: 0 | 1) => session.participants.find((p) => p.channel === ch)?.displayName ?? (ch === 0 ? 'Clinician' : 'Other participant');
  const blocks = analysis ? evidenceBlocks(analysis) : [];

  return (
    <section aria-labelledby="results-h" className="results">
      <h2 id="results-h">Results</h2>
      <ErrorMessage error={error} context="Could not load the results" />
      {src ? (
        <audio ref={audio} src={src} preload="metadata" controls aria-label="Session recording" onTimeUpdate={onTime} onPause={() => setPlaying(null)} onError={() => setError({ code: 'recording.unplayable', message: 'The recording could not be played here.' })} />
      ) : null}
      {analysis ? (
        blocks.length ? (
          <ol className="evidence">
            {blocks.map((b) => (
              <li key={b.key} data-kind={b.kind} aria-labelledby={`${b.key}-h`}>
                <h3 id={`${b.key}-h`}>
                  {b.heading}
                  {b.score ? <span className="score"> {b.score}</span> : null}
                </h3>
                <p>{b.text}</p>
                {b.units.length ? (
                  <ul className="cited-units" aria-label={`Evidence for ${b.heading}`}>
                    {b.units.map((u) => (
                      <li key={u.id} data-unit={u.id} data-channel={u.channel} data-start={u.start} data-end={u.end} className={playing === u.id ? 'playing' : undefined}>
                        <button type="button" className="play" onClick={() => play(u)} aria-label={`Play ${unitClock(u.start)} to ${unitClock(u.end)}, ${name(u.channel)}`} aria-pressed={playing === u.id}>
                          ▶ {unitClock(u.start)}
                        </button>
                        <span className="speaker">{name(u.channel)}:</span> <q>{u.text}</q>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="help">{b.kind === 'practice' ? 'Nothing to point to: what is counted here was not said.' : 'No moment of the conversation is cited here.'}</p>
                )}
              </li>
            ))}
          </ol>
        ) : (
          <p>No scored items: every section of the analysis failed.</p>
        )
      ) : error ? null : (
        <p role="status">Loading the results…</p>
      )}
    </section>
  );
}

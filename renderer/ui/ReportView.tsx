import { useEffect, useState } from 'react';
import type { ConversationMetrics } from '../../app/metrics/metrics-model';
import type { Transcript } from '../../app/transcript/transcript';
import type { SessionView } from '../../app/contracts/api';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { TranscriptView } from './TranscriptView';

const pct = (x: number) => `${Math.round(x * 100)} %`;
const sec = (x: number) => `${x.toFixed(1)} s`;

/** The PDF report inside the app (fetched with the token, shown from a blob URL) and the key metrics. */
export function ReportView({ session }: { session: SessionView }) {
  const api = useApp((s) => s.api);
  const [pdfUrl, setPdfUrl] = useState<string | null>(null);
  const [metrics, setMetrics] = useState<ConversationMetrics | null>(null);
  const [transcript, setTranscript] = useState<Transcript | null>(null);
  const [error, setError] = useState<unknown>(null);
  const evaluationId = session.evaluation?.id;

  useEffect(() => {
    let url: string | null = null;
    let live = true;
    api.reportPdf(session.id).then((blob) => {
      url = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
      if (live) setPdfUrl(url);
    }, setError);
    api.metrics(session.id).then((m) => live && setMetrics(m), setError);
    api.transcript(session.id).then((t) => live && setTranscript(t), setError);
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, session.id, evaluationId]);

  const name = (ch: 0 | 1) => session.participants.find((p) => p.channel === ch)?.displayName ?? `Channel ${ch}`;
  return (
    <section aria-labelledby="report-h">
      <h2 id="report-h">Report</h2>
      <ErrorMessage error={error} context="Could not load the report" />
      {metrics ? (
        <table className="metrics" aria-label="Key metrics">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">{name(0)}</th>
              <th scope="col">{name(1)}</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Talk time</th>
              <td>{sec(metrics.speakers[0].talkTimeSec)}</td>
              <td>{sec(metrics.speakers[1].talkTimeSec)}</td>
            </tr>
            <tr>
              <th scope="row">Talk ratio</th>
              <td>{pct(metrics.speakers[0].talkRatio)}</td>
              <td>{pct(metrics.speakers[1].talkRatio)}</td>
            </tr>
            <tr>
              <th scope="row">Turns</th>
              <td>{metrics.speakers[0].turns}</td>
              <td>{metrics.speakers[1].turns}</td>
            </tr>
            <tr>
              <th scope="row">Questions (open / closed)</th>
              <td>{`${metrics.speakers[0].questions.open} / ${metrics.speakers[0].questions.closed}`}</td>
              <td>{`${metrics.speakers[1].questions.open} / ${metrics.speakers[1].questions.closed}`}</td>
            </tr>
            <tr>
              <th scope="row">Longest monologue</th>
              <td>{sec(metrics.speakers[0].longestMonologueSec)}</td>
              <td>{sec(metrics.speakers[1].longestMonologueSec)}</td>
            </tr>
          </tbody>
        </table>
      ) : null}
      {pdfUrl ? (
        <>
          <iframe className="report-pdf" title="Feedback report (PDF)" src={pdfUrl} />
          <p>
            <a href={pdfUrl} download={`feedback-report-${session.id}.pdf`}>Download the PDF report</a>
          </p>
        </>
      ) : (
        <p role="status">Loading the report…</p>
      )}
      {transcript ? <TranscriptView title="Transcript" segments={transcript.segments} session={session} /> : null}
    </section>
  );
}

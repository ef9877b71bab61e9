import { useEffect, useRef, useState } from 'react';
import { desktopApi } from '../platform/desktop-platform';
import type { CreateInviteResponse } from '../../app/contracts/signaling';
import { createDraftFeed, type DraftFeed } from '../call/draft-feed';
import { openMicrophone, type TwoChannelRecorder } from '../call/two-channel-recorder';
import { useApp } from './app-context';
import { CallPanel } from './CallPanel';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';
import { draftUnavailableText, LiveCaptions, useCaptionBoard } from './LiveCaptions';

/** The session owner's room: invite the guest, hold the call, record both channels with live captions, stop, upload. */
export function CallRoom({ sessionId, navigate }: { sessionId: string; navigate: (hash: string) => void }) {
  const api = useApp((s) => s.api);
  const platform = useApp((s) => s.platform);
  const session = useApp((s) => s.sessions[sessionId]);
  const putSession = useApp((s) => s.putSession);
  const [conn, setConn] = useState<{ base: string; token: string; mic: MediaStream } | null>(null);
  const [invite, setInvite] = useState<CreateInviteResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [finishingDraft, setFinishingDraft] = useState(false);
  const [draftProblem, setDraftProblem] = useState<string | null>(platform.drafts.available ? null : platform.drafts.reason);
  const feed = useRef<DraftFeed | null>(null);
  const captions = useCaptionBoard(platform.drafts, sessionId);
  const [, tick] = useState(0);
  const h = useFocusHeading<HTMLHeadingElement>();

  useEffect(() => {
    if (!session) api.session(sessionId).then(putSession, setError);
  }, [api, session, sessionId, putSession]);
  useEffect(() => () => conn?.mic.getTracks().forEach((t) => t.stop()), [conn]);
  // While in the call the desktop holds any update restart back (main/features/update/update-state.ts).
  useEffect(() => {
    const desktop = desktopApi();
    if (!conn || !desktop) return;
    void desktop.send('update:call', { active: true });
    return () => void desktop.send('update:call', { active: false });
  }, [conn]);
  // Re-render every half second so the elapsed time and the indicator stay current.
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(t);
  }, []);

  const join = async () => {
    setError(null);
    try {
      const token = await platform.token.get();
      if (!token) throw new Error('Sign in first.');
      setConn({ base: await platform.apiBase(), token, mic: await openMicrophone() });
    } catch (e) {
      setError(e instanceof DOMException ? { code: `media.${e.name}`, message: `The microphone could not be opened: ${e.message}` } : e);
    }
  };
  const makeInvite = async () => {
    setError(null);
    try {
      setInvite(await api.createInvite(sessionId));
    } catch (e) {
      setError(e);
    }
  };
  /** The draft transcriber gets both channels from the first recorded sample on; without it the recording still runs. */
  const startRecording = async (recorder: TwoChannelRecorder) => {
    setError(null);
    feed.current = null;
    const drafts = platform.drafts;
    if (drafts.available) {
      try {
        await drafts.start(sessionId);
        feed.current = createDraftFeed(drafts, sessionId, (e) => setDraftProblem(draftUnavailableText(e)));
        setDraftProblem(null);
      } catch (e) {
        setDraftProblem(draftUnavailableText(e));
      }
    }
    try {
      await recorder.start(feed.current ? { onPcm16k: feed.current.push } : {});
      tick((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };
  const stopAndUpload = async (recorder: TwoChannelRecorder, hangUp: () => void) => {
    setBusy(true);
    try {
      await recorder.stop();
      await feed.current?.drain();
      hangUp();
      await platform.uploads.enqueueRecording(sessionId);
      if (platform.drafts.available && feed.current && !feed.current.failed) {
        // The rest of the draft is seconds of work: the session page then shows it complete.
        setFinishingDraft(true);
        await platform.drafts.finish(sessionId).catch((e: unknown) => setDraftProblem(draftUnavailableText(e)));
      }
      navigate(`#/sessions/${sessionId}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setFinishingDraft(false);
    }
  };
  const link = invite ? new URL(invite.path, window.location.origin).href : null;

  return (
    <main>
      <h1 tabIndex={-1} ref={h}>Call room{session ? `: ${session.title}` : ''}</h1>
      <p>
        <a href={`#/sessions/${sessionId}`}>Back to the session</a>
      </p>
      <ErrorMessage error={error} />
      <section aria-labelledby="invite-h">
        <h2 id="invite-h">Invite the other participant</h2>
        {invite ? (
          <>
            <p>
              Code: <strong data-testid="invite-code">{invite.code}</strong> — link: <a href={link!}>{link}</a> (valid once, until {new Date(invite.expiresAt).toLocaleString()})
            </p>
            <button type="button" onClick={makeInvite}>
              Create a new invite code
            </button>
          </>
        ) : (
          <button type="button" onClick={makeInvite}>
            Create an invite code
          </button>
        )}
      </section>
      {conn ? (
        <CallPanel base={conn.base} token={conn.token} sessionId={sessionId} microphone={conn.mic} store={platform.recordings} localLabel="Channel 0" onEnded={() => setConn(null)}>
          {({ recorder, connected, hangUp }) =>
            recorder.recording ? (
              <button type="button" className="stop" disabled={busy} onClick={() => void stopAndUpload(recorder, hangUp)}>
                Stop recording and upload
              </button>
            ) : (
              <button
                type="button"
                className="record"
                disabled={!connected}
                title={connected ? undefined : 'Recording starts once the other participant is connected'}
                onClick={() => void startRecording(recorder)}
              >
                Start recording
              </button>
            )
          }
        </CallPanel>
      ) : null}
      <LiveCaptions session={session} board={captions} unavailable={draftProblem} />
      {finishingDraft ? <p role="status">Finishing the draft transcript…</p> : null}
      {conn ? null : (
        <button type="button" onClick={join}>
          Join the call with my microphone
        </button>
      )}
    </main>
  );
}

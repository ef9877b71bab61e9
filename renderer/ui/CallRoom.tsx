import { useEffect, useState } from 'react';
import type { CreateInviteResponse } from '../../app/contracts/signaling';
import { openMicrophone, type TwoChannelRecorder } from '../call/two-channel-recorder';
import { useApp } from './app-context';
import { CallPanel } from './CallPanel';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';

/** The session owner's room: invite the guest, hold the call, record both channels, stop, upload. */
export function CallRoom({ sessionId, navigate }: { sessionId: string; navigate: (hash: string) => void }) {
  const api = useApp((s) => s.api);
  const platform = useApp((s) => s.platform);
  const session = useApp((s) => s.sessions[sessionId]);
  const putSession = useApp((s) => s.putSession);
  const [conn, setConn] = useState<{ base: string; token: string; mic: MediaStream } | null>(null);
  const [invite, setInvite] = useState<CreateInviteResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [, tick] = useState(0);
  const h = useFocusHeading<HTMLHeadingElement>();

  useEffect(() => {
    if (!session) api.session(sessionId).then(putSession, setError);
  }, [api, session, sessionId, putSession]);
  useEffect(() => () => conn?.mic.getTracks().forEach((t) => t.stop()), [conn]);
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
  const stopAndUpload = async (recorder: TwoChannelRecorder, hangUp: () => void) => {
    setBusy(true);
    try {
      await recorder.stop();
      hangUp();
      await platform.uploads.enqueueRecording(sessionId);
      navigate(`#/sessions/${sessionId}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
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
          <p>
            Code: <strong data-testid="invite-code">{invite.code}</strong> — link: <a href={link!}>{link}</a> (valid until {new Date(invite.expiresAt).toLocaleString()})
          </p>
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
                onClick={() => recorder.start().then(() => tick((n) => n + 1), setError)}
              >
                Start recording
              </button>
            )
          }
        </CallPanel>
      ) : (
        <button type="button" onClick={join}>
          Join the call with my microphone
        </button>
      )}
    </main>
  );
}

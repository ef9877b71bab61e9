import { useState, type FormEvent } from 'react';
import type { JoinResponse } from '../../app/contracts/signaling';
import { CONSENT_TEXT_VERSION } from '../api/api-client';
import { openMicrophone } from '../call/two-channel-recorder';
import { useApp } from './app-context';
import { CallPanel } from './CallPanel';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';

/** The guest's page (`/?join=CODE`): name, their own consent, then the call. No account needed. */
export function JoinPage({ initialCode }: { initialCode: string }) {
  const api = useApp((s) => s.api);
  const platform = useApp((s) => s.platform);
  const [code, setCode] = useState(initialCode);
  const [name, setName] = useState('');
  const [consent, setConsent] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [joined, setJoined] = useState<{ join: JoinResponse; base: string; mic: MediaStream } | null>(null);
  const h = useFocusHeading<HTMLHeadingElement>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // The server is the judge of consent: without it the join is refused (consent.missing).
      const join = await api.join({ code, displayName: name, consent: { given: consent, method: 'in_app', textVersion: CONSENT_TEXT_VERSION } });
      setJoined({ join, base: await platform.apiBase(), mic: await openMicrophone() });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (joined) {
    return (
      <main>
        <h1 tabIndex={-1} ref={h}>Session call</h1>
        <CallPanel base={joined.base} token={joined.join.guestToken} sessionId={joined.join.sessionId} microphone={joined.mic} store={platform.recordings} localLabel="Channel 1" onEnded={() => joined.mic.getTracks().forEach((t) => t.stop())} />
      </main>
    );
  }
  return (
    <main>
      <h1 tabIndex={-1} ref={h}>Join a session</h1>
      <form onSubmit={submit}>
        <label htmlFor="join-code">Invite code</label>
        <input id="join-code" required value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
        <label htmlFor="join-name">Your name</label>
        <input id="join-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <label className="checkbox">
          <input id="join-consent" type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} aria-describedby="consent-text" /> I consent
        </label>
        <p id="consent-text" className="help">
          This conversation is recorded, each voice on its own channel, transcribed and evaluated to give the clinician feedback. You must consent to join.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Joining…' : 'Join the call'}
        </button>
      </form>
      <ErrorMessage error={error} context="Could not join" />
    </main>
  );
}

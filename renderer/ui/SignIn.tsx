import { useRef, useState, type FormEvent } from 'react';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';
import { signInErrorFromPage } from './sign-in-error';
import { isOrgId, keepSignInOrg, signInOrgFromPage } from './sign-in-org';

export const DEV_TOKEN = 'dev-clinician-token';

/**
 * Sign-in: through the organisation's identity provider (the system browser on the desktop, the
 * page itself in a browser); a pasted developer or API token only behind "Advanced", never pre-filled.
 */
export function SignIn() {
  const signInWithOrg = useApp((s) => s.signInWithOrg);
  const waits = useApp((s) => s.platform.orgSignIn.mode === 'waits');
  const signedOut = useApp((s) => s.signedOut);
  const cancelInMain = useApp((s) => s.platform.orgSignIn.cancel);
  const [orgId, setOrgId] = useState(() => signInOrgFromPage(window.location, localStorage));
  const [phase, setPhase] = useState<'idle' | 'waiting'>('idle');
  const [error, setError] = useState<unknown>(() => signInErrorFromPage(window.location, window.history));
  // A cancelled attempt's answer (auth.signin_cancelled) is not shown.
  const attempt = useRef(0);
  const h = useFocusHeading<HTMLHeadingElement>();

  const start = async (e: FormEvent) => {
    e.preventDefault();
    const id = orgId.trim();
    if (!isOrgId(id)) return void setError({ code: 'request.invalid', message: 'The organisation ID is the one your IT department gave you (8-4-4-4-12 letters and digits).' });
    keepSignInOrg(localStorage, id);
    const mine = ++attempt.current;
    setPhase('waiting');
    setError(null);
    try {
      await signInWithOrg(id);
    } catch (err) {
      if (attempt.current === mine) setError(err);
    } finally {
      if (attempt.current === mine) setPhase('idle');
    }
  };
  const cancel = () => {
    attempt.current++;
    setPhase('idle');
    cancelInMain().catch((err: unknown) => setError(err));
  };

  return (
    <main className="sign-in">
      <h1 tabIndex={-1} ref={h}>
        Sign in
      </h1>
      {signedOut ? (
        <p role="status" className="notice" data-code={signedOut.code}>
          You were signed out: {signedOut.message}
        </p>
      ) : null}
      <form onSubmit={start} aria-describedby="org-help">
        <label htmlFor="org">Organisation ID</label>
        <input id="org" name="org" autoComplete="organization" spellCheck={false} value={orgId} onChange={(e) => setOrgId(e.target.value)} disabled={phase === 'waiting'} />
        <p id="org-help" className="help">
          {orgId ? 'Kept from your last sign-in or your organisation’s link.' : 'Your IT department gives it to you, or sends a sign-in link that fills it in.'}{' '}
          {waits ? 'Your browser opens your organisation’s sign-in page.' : 'You go to your organisation’s sign-in page and come back here.'}
        </p>
        {phase === 'waiting' ? (
          <div role="status" className="waiting">
            <p>{waits ? 'Waiting for your browser…' : 'Opening your organisation’s sign-in page…'}</p>
            {waits ? (
              <button type="button" onClick={cancel}>
                Cancel
              </button>
            ) : null}
          </div>
        ) : (
          <button type="submit">Sign in with your organisation</button>
        )}
      </form>
      <ErrorMessage error={error} context="Sign-in failed" />
      <DeveloperToken />
    </main>
  );
}

/** A developer or API token pasted by hand (the embedded server accepts `dev-clinician-token`). */
function DeveloperToken() {
  const signIn = useApp((s) => s.signIn);
  // Only the desktop app embeds the development server; a web deployment never names its token.
  const embedded = useApp((s) => s.platform.kind === 'desktop');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(token.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="advanced">
      <summary>Advanced / developer token</summary>
      <form onSubmit={submit}>
        <label htmlFor="token">Access token</label>
        <input id="token" name="token" type="password" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} aria-describedby="token-help" />
        <p id="token-help" className="help">
          For developers and API tokens.{embedded ? <> The built-in development server accepts <code>{DEV_TOKEN}</code>.</> : null}
        </p>
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? 'Signing in…' : 'Sign in with token'}
        </button>
      </form>
      <ErrorMessage error={error} context="Sign-in failed" />
    </details>
  );
}

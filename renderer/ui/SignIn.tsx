import { useState, type FormEvent } from 'react';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';

export const DEV_TOKEN = 'dev-clinician-token';

export function SignIn() {
  const signIn = useApp((s) => s.signIn);
  // Only the desktop app embeds the development server; a web deployment never shows its token.
  const embedded = useApp((s) => s.platform.kind === 'desktop');
  const [token, setToken] = useState(embedded ? DEV_TOKEN : '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const h = useFocusHeading<HTMLHeadingElement>();
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
    <main>
      <h1 tabIndex={-1} ref={h}>Sign in</h1>
      <form onSubmit={submit}>
        <label htmlFor="token">Access token</label>
        <input id="token" name="token" type="password" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} aria-describedby="token-help" />
        <p id="token-help" className="help">
          Paste the access token your organisation gave you.{embedded ? ' The built-in server of this app accepts the pre-filled one.' : ''}
        </p>
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorMessage error={error} context="Sign-in failed" />
    </main>
  );
}

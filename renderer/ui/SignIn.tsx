import { useState, type FormEvent } from 'react';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { useFocusHeading } from './focus-heading';

export const DEV_TOKEN = 'dev-clinician-token';

export function SignIn() {
  const signIn = useApp((s) => s.signIn);
  const [token, setToken] = useState(DEV_TOKEN);
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
          Paste your bearer token. The embedded development server accepts <code>{DEV_TOKEN}</code>.
        </p>
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorMessage error={error} context="Sign-in failed" />
    </main>
  );
}

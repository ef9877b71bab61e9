import { useEffect, useState } from 'react';
import { useApp } from './app-context';
import { CallRoom } from './CallRoom';
import { DesktopSettings } from './DesktopSettings';
import { ErrorBoundary } from './ErrorBoundary';
import { JoinPage } from './JoinPage';
import { NewSession } from './NewSession';
import { OfflineBanner } from './OfflineBanner';
import { SessionList } from './SessionList';
import { SessionPage } from './SessionPage';
import { SignIn } from './SignIn';

function useHash(): [string, (h: string) => void] {
  const [hash, setHash] = useState(window.location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(window.location.hash || '#/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return [hash, (h) => (window.location.hash = h)];
}

/** Hash routes, so the static server needs no fallback: #/, #/new, #/sessions/:id, #/sessions/:id/call; the guest link is /?join=CODE. */
export function App() {
  const me = useApp((s) => s.me);
  const signOut = useApp((s) => s.signOut);
  const platform = useApp((s) => s.platform);
  const [hash, navigate] = useHash();
  const joinCode = new URLSearchParams(window.location.search).get('join');

  let page: React.ReactNode;
  const session = /^#\/sessions\/([0-9a-f-]{36})(\/call)?$/.exec(hash);
  if (joinCode !== null || hash.startsWith('#/join')) page = <JoinPage initialCode={joinCode ?? ''} />;
  else if (!me) page = <SignIn />;
  else if (hash === '#/new') page = <NewSession navigate={navigate} />;
  else if (session?.[2]) page = <CallRoom key={hash} sessionId={session[1]!} navigate={navigate} />;
  else if (session) page = <SessionPage key={hash} sessionId={session[1]!} />;
  else page = <SessionList />;

  return (
    <>
      <a className="skip" href="#content" onClick={(e) => (e.preventDefault(), document.querySelector<HTMLElement>('main h1')?.focus())}>
        Skip to content
      </a>
      <header>
        <a href="#/" className="brand">
          Feedback Evaluation
        </a>
        {me && joinCode === null ? (
          <span className="who">
            {me.displayName} ({me.orgName}){' '}
            <button type="button" onClick={() => void signOut()}>
              Sign out
            </button>
          </span>
        ) : null}
      </header>
      <OfflineBanner />
      <div id="content">
        <ErrorBoundary key={hash}>{page}</ErrorBoundary>
      </div>
      {platform.kind === 'desktop' ? <DesktopSettings /> : null}
    </>
  );
}

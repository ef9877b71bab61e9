import { create } from 'zustand';
import type { EvaluationEvent, SessionView } from '../../app/contracts/api';
import type { SessionListPage, SessionListQuery } from '../../app/contracts/session-list-api';
import type { Platform, SignedOut, UploadView } from '../platform/platform';
import { createApiClient, type ApiClient, type Me } from '../api/api-client';
import { connectEvents, type EventsState } from '../api/events-socket';

interface AppState {
  platform: Platform;
  api: ApiClient;
  me: Me | null;
  sessions: Record<string, SessionView>;
  /** Latest pushed progress per session (the list view shows it live). */
  live: Record<string, EvaluationEvent>;
  eventsState: EventsState;
  online: boolean;
  uploads: UploadView[];
  /** Why the last sign-in ended without the user signing out; shown on the sign-in screen. */
  signedOut: SignedOut | null;
  /** A developer or API token pasted by hand. */
  signIn(token: string): Promise<void>;
  /** Through the organisation's identity provider (system browser on desktop, the page itself on the web). */
  signInWithOrg(orgId: string): Promise<void>;
  /** Picks up a sign-in that already exists: the desktop's kept tokens or the browser's session cookie. */
  resume(): Promise<boolean>;
  signOut(): Promise<void>;
  putSession(s: SessionView): void;
  /** One page of the session list; its sessions are kept in `sessions` (live updates reach them there). */
  listSessions(query: SessionListQuery): Promise<SessionListPage>;
}

export type AppStore = ReturnType<typeof createAppStore>;

export function createAppStore(platform: Platform) {
  const api = createApiClient(platform.apiBase, platform.token.get, platform.webSession?.csrfToken);
  let stopEvents: (() => void) | null = null;

  // Called only after the store exists (sign-in, resume, the revoked event).
  const set = (p: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => store.setState(p);
  const get = () => store.getState();
  const enter = async () => {
    const me = await api.me();
    set({ me, signedOut: null });
    stopEvents?.();
    stopEvents = connectEvents({
      base: await platform.apiBase(),
      token: () => platform.token.get(),
      cookieSession: !!platform.webSession,
      onState: (eventsState) => set({ eventsState }),
      onEvent: (e) => {
        set((s) => ({ live: { ...s.live, [e.sessionId]: e } }));
        // Terminal states change the session itself (status, report): fetch it again.
        if (e.status === 'completed' || e.status === 'failed') void api.session(e.sessionId).then(get().putSession, () => undefined);
      },
    });
  };
  const leave = (signedOut: SignedOut | null) => {
    stopEvents?.();
    stopEvents = null;
    set({ me: null, sessions: {}, live: {}, signedOut });
  };

  const store = create<AppState>()(() => ({
    platform,
    api,
    me: null,
    sessions: {},
    live: {},
    eventsState: 'closed',
    online: navigator.onLine,
    uploads: platform.uploads.list(),
    signedOut: null,
    async signIn(token) {
      await platform.token.set(token);
      try {
        await enter();
      } catch (e) {
        await platform.token.clear();
        throw e;
      }
    },
    async signInWithOrg(orgId) {
      await platform.orgSignIn.start(orgId);
      await enter();
    },
    async resume() {
      const kept = await platform.token.get().catch(() => null);
      // Without a kept token only a browser can still be signed in (its session cookie).
      if (!kept && !platform.webSession) return false;
      try {
        await enter();
        return true;
      } catch {
        if (kept) await platform.token.clear().catch(() => undefined);
        return false;
      }
    },
    async signOut() {
      const cookieSession = platform.webSession && !(await platform.token.get());
      // The server's sign-out first: a reload right after must not find the session still alive.
      try {
        if (cookieSession) await platform.webSession!.signOut().catch(() => undefined);
        await platform.token.clear();
      } finally {
        leave(null);
      }
    },
    putSession: (s) => set((st) => ({ sessions: { ...st.sessions, [s.id]: s } })),
    async listSessions(query) {
      const page = await api.sessions(query);
      set((st) => ({ sessions: { ...st.sessions, ...Object.fromEntries(page.sessions.map((s) => [s.id, s])) } }));
      return page;
    },
  }));

  platform.orgSignIn.onRevoked((why) => leave(why));
  window.addEventListener('online', () => store.setState({ online: true }));
  window.addEventListener('offline', () => store.setState({ online: false }));
  platform.uploads.subscribe((uploads) => store.setState({ uploads }));
  return store;
}

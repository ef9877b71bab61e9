import { create } from 'zustand';
import type { EvaluationEvent, SessionView } from '../../app/contracts/api';
import type { Platform, UploadView } from '../platform/platform';
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
  signIn(token: string): Promise<void>;
  signOut(): Promise<void>;
  putSession(s: SessionView): void;
  refreshSessions(): Promise<void>;
}

export type AppStore = ReturnType<typeof createAppStore>;

export function createAppStore(platform: Platform) {
  const api = createApiClient(platform.apiBase, platform.token.get);
  let stopEvents: (() => void) | null = null;

  const store = create<AppState>()((set, get) => ({
    platform,
    api,
    me: null,
    sessions: {},
    live: {},
    eventsState: 'closed',
    online: navigator.onLine,
    uploads: platform.uploads.list(),
    async signIn(token) {
      await platform.token.set(token);
      try {
        const me = await api.me();
        set({ me });
      } catch (e) {
        await platform.token.clear();
        throw e;
      }
      stopEvents?.();
      stopEvents = connectEvents({
        base: await platform.apiBase(),
        token: () => platform.token.get(),
        onState: (eventsState) => set({ eventsState }),
        onEvent: (e) => {
          set((s) => ({ live: { ...s.live, [e.sessionId]: e } }));
          // Terminal states change the session itself (status, report): fetch it again.
          if (e.status === 'completed' || e.status === 'failed') void api.session(e.sessionId).then(get().putSession, () => undefined);
        },
      });
    },
    async signOut() {
      stopEvents?.();
      stopEvents = null;
      await platform.token.clear();
      set({ me: null, sessions: {}, live: {} });
    },
    putSession: (s) => set((st) => ({ sessions: { ...st.sessions, [s.id]: s } })),
    async refreshSessions() {
      const list = await api.sessions();
      set({ sessions: Object.fromEntries(list.map((s) => [s.id, s])) });
    },
  }));

  window.addEventListener('online', () => store.setState({ online: true }));
  window.addEventListener('offline', () => store.setState({ online: false }));
  platform.uploads.subscribe((uploads) => store.setState({ uploads }));
  return store;
}

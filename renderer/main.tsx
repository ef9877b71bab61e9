import { createRoot } from 'react-dom/client';
import { choosePlatform } from './platform/choose-platform';
import { createAppStore } from './state/app-store';
import { App } from './ui/App';
import { AppStoreContext } from './ui/app-context';

const root = createRoot(document.getElementById('root')!);
try {
  const platform = await choosePlatform();
  const store = createAppStore(platform);
  // A token kept from earlier in this tab (or in the keychain on desktop) signs in again silently.
  const saved = await platform.token.get().catch(() => null);
  if (saved) await store.getState().signIn(saved).catch(() => undefined);
  root.render(
    <AppStoreContext.Provider value={store}>
      <App />
    </AppStoreContext.Provider>,
  );
} catch (e) {
  root.render(
    <main>
      <h1>The app could not start</h1>
      <p role="alert">{(e as Error).message}</p>
    </main>,
  );
}

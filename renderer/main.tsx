import { createRoot } from 'react-dom/client';
import { choosePlatform } from './platform/choose-platform';
import { createAppStore } from './state/app-store';
import { App } from './ui/App';
import { AppStoreContext } from './ui/app-context';

const root = createRoot(document.getElementById('root')!);
try {
  const platform = await choosePlatform();
  const store = createAppStore(platform);
  // A sign-in kept from earlier (the desktop's keychain, this tab's token, the browser's session cookie) goes on silently.
  await store.getState().resume();
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

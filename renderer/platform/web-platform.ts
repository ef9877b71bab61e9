import { CSRF_HEADER, WebSessionResponse } from '../../app/contracts/web-session-api';
import { OidcLogoutResponse } from '../../app/contracts/oidc-api';
import { bridgeAddressFromPage, connectBridge } from './bridge-client';
import { createLiveDrafts } from './live-drafts';
import type { Platform } from './platform';
import { sha256Hex } from './sha256';
import { openWebRecordingStore } from './web-recording-store';
import { createWebUploadQueue } from './web-upload-queue';

const TOKEN_KEY = 'feedback.token';

/**
 * The browser build: the API is the page's own origin, the token lives for the tab
 * (sessionStorage), recordings in IndexedDB, uploads through tus with the URL in localStorage.
 */
export const DRAFT_NEEDS_DESKTOP = 'Live captions and the draft transcript need the desktop app: they are made on your device. In the browser, the transcript arrives with the report.';

export async function createWebPlatform(): Promise<Platform> {
  const bridge = bridgeAddressFromPage(window.location, sessionStorage, window.history);
  const recordings = await openWebRecordingStore();
  const apiBase = async () => window.location.origin;
  const token = {
    get: async () => sessionStorage.getItem(TOKEN_KEY),
    set: async (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
    clear: async () => sessionStorage.removeItem(TOKEN_KEY),
  };
  const uploads = createWebUploadQueue({
    endpoint: async () => `${await apiBase()}/v1/uploads`,
    token: token.get,
    csrfToken: () => csrfToken(),
    async recording(sessionId) {
      const blob = await recordings.blobOf(sessionId);
      const meta = (await recordings.list()).find((r) => r.sessionId === sessionId);
      return { blob, finished: { sessionId, mimeType: meta?.mimeType ?? blob.type, bytes: blob.size, sha256: await sha256Hex(blob), recovered: false } };
    },
    async storeFile(sessionId, file) {
      await recordings.start(sessionId, file.type || 'application/octet-stream');
      await recordings.append(sessionId, 0, new Uint8Array(await file.arrayBuffer()));
      await recordings.finish(sessionId);
    },
  });
  // One CSRF token per cookie session (bound to it by the API); fetched on first need.
  let csrf: Promise<string> | null = null;
  const csrfToken = () => {
    csrf ??= fetch(`${window.location.origin}/v1/auth/web-session`, { credentials: 'same-origin' }).then(async (res) => {
      if (!res.ok) throw new Error(`No browser session (HTTP ${res.status}).`);
      return WebSessionResponse.parse(await res.json()).csrfToken;
    });
    csrf.catch(() => (csrf = null));
    return csrf;
  };
  return {
    kind: 'web',
    apiBase,
    token,
    orgSignIn: {
      mode: 'navigates',
      start(orgId) {
        // The API's callback sets the HttpOnly session cookie and sends the browser back to '/'.
        window.location.assign(`${window.location.origin}/v1/auth/oidc/start?org=${encodeURIComponent(orgId)}`);
        return new Promise<void>(() => undefined);
      },
      // The page has gone to the IdP by then: nothing waits here.
      cancel: async () => undefined,
      onRevoked: () => () => undefined,
    },
    webSession: {
      csrfToken,
      async signOut() {
        const headers = { [CSRF_HEADER]: await csrfToken() };
        csrf = null;
        const res = await fetch(`${window.location.origin}/v1/auth/oidc/logout`, { method: 'POST', credentials: 'same-origin', headers });
        // RP-initiated logout: the IdP ends its own session too, then sends the browser back to the app.
        const endSessionUrl = res.ok ? OidcLogoutResponse.parse(await res.json()).endSessionUrl : null;
        if (endSessionUrl) window.location.assign(endSessionUrl);
      },
    },
    recordings,
    uploads,
    // A browser on the same machine as a running main-process bridge (`main/bridge-main.ts`) gets the on-device draft too.
    drafts: bridge ? createLiveDrafts(connectBridge(bridge)) : { available: false, reason: DRAFT_NEEDS_DESKTOP },
  };
}

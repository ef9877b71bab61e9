import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, ErrorCode, isAppError } from '../../app/contracts/errors';
import type { OidcDesktopTokenRequest } from '../../app/contracts/oidc-api';
import { DesktopSignInResult } from '../../app/contracts/desktop-session-api';
import { err, ok, type Result } from '../../app/contracts/result';

export interface LoopbackSignInOptions {
  /** The API's base URL (https://…, no /v1). */
  apiBase: string;
  orgId: string;
  /** Opens the system browser (Electron: shell.openExternal after the URL check); never an embedded window. */
  openBrowser: (url: string) => Promise<void>;
  /** Cancels the wait (the user gave up): answers auth.signin_cancelled and closes the listener. */
  signal?: AbortSignal;
  /** How long to wait for the browser to come back. Default 5 minutes. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const CALLBACK_PATH = '/oidc/callback';
const DONE_PAGE = '<!doctype html><meta charset="utf-8"><title>Signed in</title><p>Sign-in finished. You can close this tab and return to Feedback Evaluation.</p>';

/**
 * Desktop sign-in, RFC 8252: a one-shot listener on 127.0.0.1 at a random port receives the
 * identity provider's redirect in the system browser; the API, which keeps state, nonce and PKCE,
 * finishes the sign-in only with the binding verifier this process made (its S256 hash went with
 * the start), so another local program that catches the redirect cannot use it.
 */
export async function signInWithSystemBrowser(opts: LoopbackSignInOptions): Promise<Result<DesktopSignInResult>> {
  const doFetch = opts.fetch ?? fetch;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  let server: http.Server | null = null;
  try {
    const received = new Promise<string>((resolve) => {
      server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH || !url.searchParams.has('state')) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(DONE_PAGE);
        resolve(url.pathname + url.search);
      });
    });
    const port = await new Promise<number>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(0, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port));
    });
    const redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;
    const start = new URL('/v1/auth/oidc/start', opts.apiBase);
    start.search = new URLSearchParams({ org: opts.orgId, redirect_uri: redirectUri, binding_challenge: challenge }).toString();
    const cancelled = () => new AppError('auth.signin_cancelled', 'Sign-in was cancelled.');
    if (opts.signal?.aborted) throw cancelled();
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => undefined as void;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError('auth.oidc_state_invalid', 'The browser sign-in did not come back in time.')), opts.timeoutMs ?? 5 * 60_000);
      onAbort = () => reject(cancelled());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    stop.catch(() => undefined);
    await Promise.race([opts.openBrowser(start.href), stop]);
    const pathAndQuery = await Promise.race([received, stop]).finally(() => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    });
    const body: OidcDesktopTokenRequest = { callbackUrl: `http://127.0.0.1:${port}${pathAndQuery}`, bindingVerifier: verifier };
    const res = await doFetch(new URL('/v1/auth/oidc/token', opts.apiBase), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const json: unknown = await res.json();
    if (!res.ok) {
      const p = (json ?? {}) as { code?: unknown; detail?: unknown };
      const code = ErrorCode.safeParse(p.code);
      return err({ code: code.success ? code.data : 'internal', message: typeof p.detail === 'string' ? p.detail : `HTTP ${res.status}` });
    }
    return ok(DesktopSignInResult.parse(json));
  } catch (e) {
    if (isAppError(e)) return err({ code: (e as AppError).code, message: (e as AppError).message });
    return err({ code: 'upstream.unavailable', message: `Sign-in failed: ${(e as Error).message}` });
  } finally {
    // Also drops idle keep-alive connections, so nothing reaches a cancelled or finished sign-in.
    (server as http.Server | null)?.close();
    (server as http.Server | null)?.closeAllConnections();
  }
}

import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { AppError } from '../../../app/contracts/errors';
import { CSRF_COOKIE, CSRF_HEADER, WEB_SESSION_COOKIE } from '../../../app/contracts/web-session-api';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** One cookie of a raw request's Cookie header (a WebSocket upgrade passes no express middleware). */
function cookieOf(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw) || null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * The browser's cookie session and its CSRF protection (decision 025). The cookie holds the same
 * short-lived app token a bearer client gets (app-session.ts), so the one resolver, expiry,
 * revocation and deactivation apply. CSRF: csrf-csrf's double-submit token, HMAC-bound to that
 * session cookie, checked on every state-changing request the cookie signs in.
 */
export function createWebSessions(opts: { csrfSecret: string }) {
  const sessionOf = (req: Request): string | null => {
    const v = (req.cookies as Record<string, unknown> | undefined)?.[WEB_SESSION_COOKIE];
    return typeof v === 'string' && v.length > 0 ? v : null;
  };
  const csrf = doubleCsrf({
    getSecret: () => opts.csrfSecret,
    getSessionIdentifier: (req) => sessionOf(req) ?? '',
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'strict', secure: true, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => req.headers[CSRF_HEADER],
  });
  return {
    /** The app token of the request's session cookie, if any. */
    tokenOf: sessionOf,
    /** Starts the browser's session with a freshly issued app token. */
    start(res: Response, session: { token: string; expiresAt: string }) {
      res.cookie(WEB_SESSION_COOKIE, session.token, { httpOnly: true, secure: true, sameSite: 'lax', path: '/', expires: new Date(session.expiresAt) });
    },
    end(res: Response) {
      res.clearCookie(WEB_SESSION_COOKIE, { httpOnly: true, secure: true, sameSite: 'lax', path: '/' });
      res.clearCookie(CSRF_COOKIE, { httpOnly: true, secure: true, sameSite: 'strict', path: '/' });
    },
    /** A CSRF token for the request's cookie session (sets its HMAC cookie). */
    csrfToken(req: Request, res: Response): string {
      if (!sessionOf(req)) throw new AppError('auth.web_session_missing', 'No browser session: this request was not signed in by the session cookie.', { status: 400 });
      return csrf.generateCsrfToken(req, res, { overwrite: true });
    },
    /**
     * The app token of a WebSocket upgrade's session cookie. A browser sends the cookie with an
     * upgrade from any page (cross-site WebSocket hijacking), and an upgrade has no CSRF header, so
     * the page's Origin must be the web app's own: else 403 auth.origin_refused (a missing Origin too).
     */
    upgradeTokenOf(req: IncomingMessage, webOrigin: string): string | null {
      const token = cookieOf(req, WEB_SESSION_COOKIE);
      if (!token) return null;
      const origin = req.headers.origin;
      if (origin !== webOrigin) throw new AppError('auth.origin_refused', `A WebSocket signed in by the session cookie must come from the web app's page (${webOrigin}), not from ${origin ? JSON.stringify(origin.slice(0, 100)) : 'a request without an Origin'}.`);
      return token;
    },
    /** Refuses a state-changing request the session cookie signs in without this session's CSRF token. */
    requireCsrf(req: Request) {
      if (SAFE_METHODS.has(req.method)) return;
      if (!csrf.validateRequest(req)) throw new AppError('auth.csrf_invalid', `Send this session's CSRF token (GET /v1/auth/web-session) in the ${CSRF_HEADER} header.`);
    },
  };
}
export type WebSessions = ReturnType<typeof createWebSessions>;

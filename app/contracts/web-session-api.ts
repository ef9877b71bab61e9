import { z } from 'zod';

/**
 * The browser's session (decision 025): after a web sign-in the API sets an HttpOnly, Secure,
 * SameSite=Lax session cookie, so no token is readable by the page's scripts. A request signed in
 * by that cookie that changes state (POST, PUT, PATCH, DELETE) must carry the CSRF token of
 * `GET /v1/auth/web-session` in the `X-CSRF-Token` header (double-submit, bound to the session);
 * without it: 403 `auth.csrf_invalid`. A bearer token (desktop, API clients) needs no CSRF token.
 */
export const WEB_SESSION_COOKIE = '__Host-fe_session';
export const CSRF_COOKIE = '__Host-fe_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export const WebSessionResponse = z.object({
  /** Send it as X-CSRF-Token on every state-changing request of this session. */
  csrfToken: z.string(),
});
export type WebSessionResponse = z.infer<typeof WebSessionResponse>;

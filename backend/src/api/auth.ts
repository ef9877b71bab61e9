import type { Request, RequestHandler } from 'express';
import { AppError, isAppError } from '../../../app/contracts/errors';
import type { Role } from '../../../app/contracts/api';
import { noFailureLimit, type FailureLimiter } from './abuse-limits';
import type { WebSessions } from '../auth/web-session';

/** Limits on failed sign-ins per client address (abuse-limits.ts). */
export type SignInThrottle = FailureLimiter;
export const noSignInThrottle: SignInThrottle = noFailureLimit;

/** Who a bearer token stands for: the repository's shape, one definition. */
export type { Identity } from '../db/repositories/identity';
import type { Identity } from '../db/repositories/identity';

/**
 * Turns a bearer token into an identity. Embedded mode resolves dev tokens from the database;
 * an OIDC resolver (validating an access token) plugs in here without touching the routes.
 */
export interface IdentityResolver {
  resolve(token: string): Promise<Identity | null>;
}

export function bearerToken(header: string | null | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

export async function authenticateToken(resolver: IdentityResolver, token: string | null): Promise<Identity> {
  if (!token) throw new AppError('auth.missing', 'Sign in first: send Authorization: Bearer <token>.');
  const id = await resolver.resolve(token);
  if (!id) throw new AppError('auth.invalid', 'The token is not valid (expired or unknown).');
  return id;
}

/**
 * Bearer sign-in for express routes, with failed sign-ins limited per client address (`req.ip`,
 * which believes forwarding headers only from trusted proxies: http-server.ts).
 */
/**
 * Bearer sign-in with the throttle around it: the one path for HTTP, tus and both WebSockets. A
 * request without any token is not a guess and is not counted.
 */
export async function throttledSignIn(throttle: SignInThrottle, resolver: IdentityResolver, token: string | null, client: string): Promise<Identity> {
  if (token) await throttle.check(client);
  try {
    return await authenticateToken(resolver, token);
  } catch (e) {
    if (token && isAppError(e) && e.code === 'auth.invalid') await throttle.failed(client);
    throw e;
  }
}

/**
 * The request's app token: the bearer header, else the browser's session cookie. A state-changing
 * request signed in by the cookie must carry the session's CSRF token (web-session.ts).
 */
export function requestToken(req: Request, web?: WebSessions): string | null {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer || !web) return bearer;
  const cookie = web.tokenOf(req);
  if (cookie) web.requireCsrf(req);
  return cookie;
}

export function authenticate(resolver: IdentityResolver, throttle: SignInThrottle = noSignInThrottle, web?: WebSessions): RequestHandler {
  return (req, res, next) => {
    Promise.resolve()
      .then(() => throttledSignIn(throttle, resolver, requestToken(req, web), req.ip ?? req.socket.remoteAddress ?? 'unknown'))
      .then((id) => {
        res.locals.identity = id;
        next();
      })
      .catch(next);
  };
}

export function identityOf(res: { locals: Record<string, unknown> }): Identity {
  const id = res.locals.identity as Identity | undefined;
  if (!id) throw new AppError('auth.missing', 'Not authenticated');
  return id;
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (_req: Request, res, next) => {
    const id = identityOf(res);
    if (!id.roles.some((r) => roles.includes(r))) return next(new AppError('auth.forbidden', `Your role (${id.roles.join(', ') || 'none'}) may not do this: it needs ${roles.join(' or ')}.`));
    next();
  };
}

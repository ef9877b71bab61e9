import type { Request, RequestHandler } from 'express';
import { AppError } from '../../../app/contracts/errors';
import type { Role } from '../../../app/contracts/api';

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

export function authenticate(resolver: IdentityResolver): RequestHandler {
  return (req, res, next) => {
    authenticateToken(resolver, bearerToken(req.headers.authorization))
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

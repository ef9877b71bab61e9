import type { RequestHandler } from 'express';
import { AppError } from '../../../app/contracts/errors';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * 405 with `Allow` for a path the OpenAPI document declares, asked with a method it does not
 * declare for it (RFC 9110 §15.5.6), instead of the 404 that says the path does not exist.
 * Mounted after every route, so it only sees requests nothing else answered. HEAD follows GET
 * and OPTIONS is left to CORS and express.
 */
export function methodNotAllowed(paths: Record<string, object>): RequestHandler {
  const table = Object.entries(paths).map(([p, ops]) => {
    const declared = Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => m.toUpperCase());
    if (declared.includes('GET')) declared.push('HEAD');
    const pattern = p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    return { re: new RegExp(`^${pattern}/?$`), allow: declared };
  });
  return (req, res, next) => {
    const row = table.find((r) => r.re.test(req.path));
    if (!row || req.method === 'OPTIONS' || row.allow.includes(req.method)) return next();
    res.setHeader('Allow', row.allow.join(', '));
    next(new AppError('request.method_not_allowed', `${req.method} is not served at ${req.path}; allowed: ${row.allow.join(', ')}`));
  };
}

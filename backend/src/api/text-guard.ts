import type { RequestHandler } from 'express';
import { AppError } from '../../../app/contracts/errors';
import { findInvalidText } from '../../../app/contracts/text';

/**
 * The body check of app/contracts/text.ts: every parsed JSON body and query string is walked for
 * NUL and unpaired surrogates (keys and values) before any route sees it, and a path with an
 * encoded NUL is refused too, all with `request.invalid_text` (400). The contracts' own schemas
 * add the stricter per-field rules (no control characters in single-line fields).
 */
export const refuseInvalidText: RequestHandler = (req, _res, next) => {
  const found = findInvalidText(req.body) ?? findInvalidText(req.query);
  if (found) return next(new AppError('request.invalid_text', `${found.path}: ${found.problem}`, { status: 400 }));
  if (/%00/i.test(req.path)) return next(new AppError('request.invalid_text', 'The path contains a NUL character (%00).', { status: 400 }));
  next();
};

import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import helmet from 'helmet';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * The policy of the web client the API serves (dist/web, built from renderer/index.html), sent as
 * a header too. The same directives as the page's own meta tag (a test keeps them equal), plus
 * what only a header can say: frame-ancestors. Both are enforced, so the header never loosens the
 * meta tag; it covers the API's other answers (JSON, PDFs, problem documents) as well.
 */
export const WEB_CLIENT_CSP: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'media-src': ["'self'", 'blob:', 'mediastream:'],
  'connect-src': ["'self'", 'blob:', 'ws://127.0.0.1:*', 'ws://localhost:*'],
  'worker-src': ["'self'", 'blob:'],
  'frame-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'self'"],
};

/** A year; no includeSubDomains or preload: the API's host says nothing about its siblings. */
const HSTS = { maxAge: 365 * 24 * 3600, includeSubDomains: false, preload: false };

/**
 * helmet for the API. HSTS only when browsers reach it over https (its own TLS, or a TLS proxy
 * named by an https FE_PUBLIC_URL): on plain http a browser ignores it, and a header that claims
 * https for a host that has none would lock users out.
 */
export function apiSecurityHeaders(opts: { https: boolean }): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: WEB_CLIENT_CSP as Record<string, string[]> },
    strictTransportSecurity: opts.https ? HSTS : false,
    // The desktop app (app://renderer) reads the API with CORS fetches, which CORP does not block.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  }) as Middleware;
}

/** helmet for the AI gateway: it serves JSON to workers only, so its pages may load and frame nothing. */
export function gatewaySecurityHeaders(opts: { https: boolean }): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] } },
    strictTransportSecurity: opts.https ? HSTS : false,
    referrerPolicy: { policy: 'no-referrer' },
  }) as Middleware;
}

/** Whether pages of `origin` may call the API (FE_CORS_ORIGINS); an exact match, never a pattern. */
export function corsOriginCheck(origins: readonly string[]): (origin: string) => boolean {
  const allowed = new Set(origins);
  return (origin) => allowed.has(origin);
}

/** Headers a cross-origin page may read: tus's upload headers, where an upload was created, when to retry. */
const EXPOSED = ['Location', 'Retry-After', 'Tus-Resumable', 'Tus-Version', 'Tus-Extension', 'Tus-Max-Size', 'Upload-Offset', 'Upload-Length', 'Upload-Metadata', 'Upload-Expires', 'Upload-Defer-Length', 'Upload-Concat'];

/**
 * CORS for the configured origins only: no Access-Control-* headers for anyone else (their
 * browser then refuses to hand them the answer). Bearer tokens, no cookies: credentials stay off.
 */
export function apiCors(origins: readonly string[]): Middleware {
  const allowed = corsOriginCheck(origins);
  return cors({
    origin: (origin, cb) => cb(null, origin !== undefined && allowed(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Tus-Resumable', 'Upload-Length', 'Upload-Offset', 'Upload-Metadata', 'Upload-Defer-Length', 'Upload-Concat', 'X-HTTP-Method-Override', 'X-Requested-With'],
    exposedHeaders: EXPOSED,
    credentials: false,
    maxAge: 600,
  }) as Middleware;
}

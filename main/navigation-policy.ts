import { backendUrlProblem } from '../app/contracts/backend-url';

/**
 * The pure URL decisions behind the locked-down window (CONVENTIONS §7), kept apart from Electron
 * so they can be tested. `appBase` is where the renderer is loaded from: a dev server origin
 * (`http://localhost:5173/`) or the packaged page (`file:///…/renderer/index.html`).
 */

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True when `url` is part of the app itself: same origin, or for file:// the renderer's own folder. */
export function isAppUrl(url: string, appBase: string): boolean {
  const target = parse(url);
  const base = parse(appBase);
  if (!target || !base) return false;
  if (base.protocol === 'file:') {
    if (target.protocol !== 'file:' || target.host !== base.host) return false;
    const folder = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
    // URL parsing has already resolved `..` and decoded nothing dangerous into the path.
    return target.pathname.startsWith(folder) && !/%2e%2e|%2f|%5c/i.test(target.pathname);
  }
  if (!['http:', 'https:', 'app:'].includes(base.protocol)) return false;
  return target.protocol === base.protocol && target.host === base.host;
}

/**
 * Links that may leave the app for the system browser: https only, no credentials in the URL, and
 * the host on the allow-list (`example.org` exactly, `*.example.org` for its subdomains).
 */
export function isAllowedExternalUrl(url: string, allowedHosts: readonly string[]): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password) return false;
  const host = u.hostname.toLowerCase();
  return allowedHosts.some((entry) => {
    const e = entry.toLowerCase();
    return e.startsWith('*.') ? host.endsWith(e.slice(1)) && host.length > e.length - 1 : host === e;
  });
}

/**
 * The Content-Security-Policy of the app's pages: scripts only from the app, network only to the
 * app and the org's backend (HTTP and its WebSocket), media from blob:/mediastream: (recorder,
 * calls) and from the backend (the recording's playback), the PDF report from blob:, nothing embedded from elsewhere.
 */
export function contentSecurityPolicy(opts: { backendUrl: string; devServerUrl?: string }): string {
  const problem = backendUrlProblem(opts.backendUrl);
  const backend = parse(opts.backendUrl);
  if (problem || !backend) throw new Error(`backendUrl ${problem ?? 'is invalid'}: ${opts.backendUrl}`);
  const wsOf = (u: URL) => `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}`;
  const connect = ["'self'", 'blob:', backend.origin, wsOf(backend)];
  const dev = opts.devServerUrl ? parse(opts.devServerUrl) : undefined;
  if (dev) connect.push(dev.origin, wsOf(dev));
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // The backend too: the results view streams the session's recording from it (decision 027).
    `media-src 'self' blob: mediastream: ${backend.origin}`,
    `connect-src ${[...new Set(connect)].join(' ')}`,
    "worker-src 'self' blob:",
    "frame-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const CSP_META = /<meta\s+http-equiv="Content-Security-Policy"\s+content="[^"]*"\s*\/?>/i;

/**
 * The renderer's index.html with its CSP meta tag carrying `csp` (the policy above, with the
 * configured backend) instead of the strict default it ships with (connect-src 'self' and loopback
 * WebSockets only, for the browser client served by the API). A page whose meta tag is missing is
 * refused rather than served without a policy. `frame-ancestors` is ignored in a meta tag and left
 * to the response header.
 */
export function rendererHtmlWithPolicy(html: string, csp: string): string {
  if (!CSP_META.test(html)) throw new Error('The renderer page has no Content-Security-Policy meta tag');
  const content = csp
    .split('; ')
    .filter((d) => !d.startsWith('frame-ancestors'))
    .join('; ');
  if (content.includes('"')) throw new Error('A CSP cannot contain a double quote');
  return html.replace(CSP_META, `<meta http-equiv="Content-Security-Policy" content="${content}" />`);
}

/** The scheme and host the packaged renderer is served from (main/renderer-protocol.ts). */
export const RENDERER_ORIGIN = 'app://renderer';

/**
 * Which file of the renderer an app://renderer/… request names, as a path relative to the
 * renderer folder (`/` is index.html), or null: another host, an encoded separator or dot
 * segment, a backslash, or a dot segment left in the path.
 */
export function rendererPathFor(url: string): string | null {
  const u = parse(url);
  if (!u || `${u.protocol}//${u.host}` !== RENDERER_ORIGIN) return null;
  if (/%2e|%2f|%5c|\\/i.test(u.pathname)) return null;
  const parts = u.pathname.split('/').filter(Boolean);
  if (parts.some((p) => p === '.' || p === '..')) return null;
  return parts.length ? parts.join('/') : 'index.html';
}

/** The URL the desktop window loads: the renderer's page on the app:// scheme. */
export const RENDERER_INDEX_URL = `${RENDERER_ORIGIN}/index.html`;

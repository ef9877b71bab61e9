import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { RENDERER_ORIGIN, rendererHtmlWithPolicy, rendererPathFor } from './navigation-policy';

const SCHEME = RENDERER_ORIGIN.split(':')[0]!;

/**
 * Before app ready: app:// is a standard, secure scheme (a secure context for the microphone,
 * fetch for the audio worklet). Serving the renderer from it instead of file:// lets the
 * packaged binary run with the grantFileProtocolExtraPrivileges fuse off (electron-builder.yml),
 * and lets the page's CSP name the backend IT configured.
 */
export function registerRendererScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);
}

/**
 * Serves the renderer at app://renderer/ from dist/renderer (or, in development, from a local dev
 * server): index.html with its CSP meta tag set to `csp`, which names the configured backend (the
 * page as shipped allows only 'self' and loopback WebSockets), and every response with the same
 * policy as a header; nothing outside the renderer.
 */
export function serveRenderer(opts: { rendererDir: string; devServerUrl?: string; csp: () => string }): void {
  const source = (rel: string) => (opts.devServerUrl ? new URL(rel, `${opts.devServerUrl.replace(/\/$/, '')}/`).href : pathToFileURL(path.join(opts.rendererDir, rel)).href);
  protocol.handle(SCHEME, async (request) => {
    const csp = opts.csp();
    const headers = { 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' };
    const rel = rendererPathFor(request.url);
    if (!rel) return new Response('Not found', { status: 404 });
    const res = await net.fetch(source(rel), { bypassCustomProtocolHandlers: true });
    if (rel === 'index.html' && res.ok) return new Response(rendererHtmlWithPolicy(await res.text(), csp), { headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' } });
    return new Response(res.body, { status: res.status, headers: { ...Object.fromEntries(res.headers), ...headers } });
  });
}

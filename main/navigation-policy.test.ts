import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, isAllowedExternalUrl, isAppUrl, RENDERER_INDEX_URL, rendererHtmlWithPolicy, rendererPathFor } from './navigation-policy';

const shippedHtml = readFileSync(path.join(import.meta.dirname, '..', 'renderer', 'index.html'), 'utf8');
const metaPolicy = (html: string) => /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1];
const directivesOf = (csp: string) => Object.fromEntries(csp.split(/;\s*/).filter(Boolean).map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));

describe('navigation policy', () => {
  it('keeps navigation inside the packaged renderer folder', () => {
    const base = 'file:///opt/feedback/resources/app/renderer/index.html';
    expect(isAppUrl('file:///opt/feedback/resources/app/renderer/index.html#/sessions/1', base)).toBe(true);
    expect(isAppUrl('file:///opt/feedback/resources/app/renderer/assets/app.js', base)).toBe(true);
    expect(isAppUrl('file:///opt/feedback/resources/app/renderer/../../../../etc/passwd', base)).toBe(false);
    expect(isAppUrl('file:///opt/feedback/resources/app/renderer/%2e%2e/secret', base)).toBe(false);
    expect(isAppUrl('file:///etc/passwd', base)).toBe(false);
    expect(isAppUrl('https://evil.example/', base)).toBe(false);
  });

  it('keeps navigation on the dev server origin', () => {
    const base = 'http://localhost:5173/';
    expect(isAppUrl('http://localhost:5173/sessions/abc?x=1', base)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', base)).toBe(false);
    expect(isAppUrl('https://localhost:5173/', base)).toBe(false);
    expect(isAppUrl('http://localhost:5173@evil.example/', base)).toBe(false);
    expect(isAppUrl('javascript:alert(1)', base)).toBe(false);
    expect(isAppUrl('not a url', base)).toBe(false);
  });

  it('opens only allow-listed https links outside the app', () => {
    const hosts = ['feedback.example.org', '*.docs.example.org'];
    expect(isAllowedExternalUrl('https://feedback.example.org/help', hosts)).toBe(true);
    expect(isAllowedExternalUrl('https://a.docs.example.org/x', hosts)).toBe(true);
    expect(isAllowedExternalUrl('https://docs.example.org.evil.example/', hosts)).toBe(false);
    expect(isAllowedExternalUrl('https://evil-docs.example.org/', hosts)).toBe(false);
    expect(isAllowedExternalUrl('http://feedback.example.org/', hosts)).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@feedback.example.org/', hosts)).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd', hosts)).toBe(false);
    expect(isAllowedExternalUrl('https://feedback.example.org/', [])).toBe(false);
  });

  it('builds a CSP that allows the backend and its WebSocket and no inline or foreign scripts', () => {
    const csp = contentSecurityPolicy({ backendUrl: 'https://api.example.org/base' });
    const directives = directivesOf(csp);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'", 'blob:', 'https://api.example.org', 'wss://api.example.org']);
    expect(directives['media-src']).toEqual(["'self'", 'blob:', 'mediastream:', 'https://api.example.org']);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(contentSecurityPolicy({ backendUrl: 'http://127.0.0.1:8787', devServerUrl: 'http://localhost:5173' })).toContain('connect-src \'self\' blob: http://127.0.0.1:8787 ws://127.0.0.1:8787 http://localhost:5173 ws://localhost:5173');
    expect(() => contentSecurityPolicy({ backendUrl: 'javascript:alert(1)' })).toThrow(/https/);
    // A backend on another machine only over https/wss.
    expect(() => contentSecurityPolicy({ backendUrl: 'http://api.example.org' })).toThrow(/https/);
  });

  it('ships the renderer page with a strict CSP of its own: no scheme-wide sources, no inline or eval, network only to its own origin and loopback WebSockets', () => {
    const policy = metaPolicy(shippedHtml);
    expect(policy).toBeDefined();
    const d = directivesOf(policy!);
    expect(d['connect-src']).toEqual(["'self'", 'blob:', 'ws://127.0.0.1:*', 'ws://localhost:*']);
    for (const [name, sources] of Object.entries(d)) {
      for (const src of sources) expect(['http:', 'https:', 'ws:', 'wss:', '*', 'data:'].includes(src) && name !== 'img-src', `${name} ${src}`).toBe(false);
    }
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
    expect(policy).not.toMatch(/unsafe-(inline|eval)|strict-dynamic/);
  });

  it('rewrites the page\'s CSP meta tag to the desktop policy that names the configured backend, and refuses a page without one', () => {
    const csp = contentSecurityPolicy({ backendUrl: 'https://feedback.example.org' });
    const html = rendererHtmlWithPolicy(shippedHtml, csp);
    const d = directivesOf(metaPolicy(html)!);
    expect(d['connect-src']).toEqual(["'self'", 'blob:', 'https://feedback.example.org', 'wss://feedback.example.org']);
    expect(d['frame-ancestors']).toBeUndefined();
    expect(html.match(/Content-Security-Policy/g)).toHaveLength(1);
    expect(html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')).toBe(shippedHtml.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
    expect(() => rendererHtmlWithPolicy('<html><head></head></html>', csp)).toThrow(/no Content-Security-Policy/);
  });

  it('maps app://renderer/ requests to files of the renderer folder only', () => {
    expect(rendererPathFor(RENDERER_INDEX_URL)).toBe('index.html');
    expect(rendererPathFor('app://renderer/')).toBe('index.html');
    expect(rendererPathFor('app://renderer/app.js?v=1')).toBe('app.js');
    expect(rendererPathFor('app://renderer/fonts/a.woff2')).toBe('fonts/a.woff2');
    // URL parsing resolves dot segments, encoded or not, at the root: they cannot climb out of the folder.
    expect(rendererPathFor('app://renderer/%2e%2e/../main/index.js')).toBe('main/index.js');
    expect(rendererPathFor('app://renderer/a%2fb')).toBeNull();
    expect(rendererPathFor('app://other/index.html')).toBeNull();
    expect(rendererPathFor('file:///etc/passwd')).toBeNull();
    expect(isAppUrl('app://renderer/index.html#/sessions/1', RENDERER_INDEX_URL)).toBe(true);
    expect(isAppUrl('app://evil/index.html', RENDERER_INDEX_URL)).toBe(false);
  });
});

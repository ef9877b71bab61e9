import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, isAllowedExternalUrl, isAppUrl } from './navigation-policy';

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
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'", 'https://api.example.org', 'wss://api.example.org']);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(contentSecurityPolicy({ backendUrl: 'http://127.0.0.1:8787', devServerUrl: 'http://localhost:5173' })).toContain('connect-src \'self\' http://127.0.0.1:8787 ws://127.0.0.1:8787 http://localhost:5173 ws://localhost:5173');
    expect(() => contentSecurityPolicy({ backendUrl: 'javascript:alert(1)' })).toThrow(/http/);
  });
});

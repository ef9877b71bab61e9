import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { startGatewayHarness, type GatewayHarness } from '../gateway/service/gateway-test-harness';
import { WEB_CLIENT_CSP } from './security-headers';

const DESKTOP = 'app://renderer';
const EVIL = 'https://evil.example';

let webRoot: string;
let open: ApiHarness;
let configured: ApiHarness;
let gw: GatewayHarness;
beforeAll(async () => {
  webRoot = mkdtempSync(path.join(os.tmpdir(), 'fe-web-'));
  writeFileSync(path.join(webRoot, 'index.html'), readFileSync(path.join(repoRoot, 'renderer/index.html')));
  [open, configured, gw] = await Promise.all([startApiHarness({ webRoot }), startApiHarness({ corsOrigins: [DESKTOP] }), startGatewayHarness()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([open?.close(), configured?.close(), gw?.close()]);
  rmSync(webRoot, { recursive: true, force: true });
});

/** The directives of a CSP string, as a map of name → sources. */
const directives = (csp: string) => Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name, sources]));

describe('security headers on the API', () => {
  it('serves the web client with a strict CSP header, nosniff, frame and referrer limits, and no HSTS over plain http', async () => {
    const res = await fetch(`${open.url}/`);
    expect(res.status).toBe(200);
    const csp = directives(res.headers.get('content-security-policy') ?? '');
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'self'"]);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it("keeps the header's policy equal to the page's own meta tag (plus frame-ancestors, which only a header can set)", () => {
    const html = readFileSync(path.join(repoRoot, 'renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    const { 'frame-ancestors': _frame, ...header } = WEB_CLIENT_CSP;
    expect(directives(meta)).toEqual(header);
  });

  it('puts the headers on API answers and problem documents too', async () => {
    const res = await fetch(`${open.url}/v1/me`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string, method = 'GET', headers = 'authorization') => fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });

  it('lets no other origin read the API by default, uploads included (tus answered * before)', async () => {
    const u = await open.user('clinician');
    const me = await fetch(`${open.url}/v1/me`, { headers: { origin: EVIL, authorization: `Bearer ${u.token}` } });
    expect(me.status).toBe(200);
    expect(me.headers.get('access-control-allow-origin')).toBeNull();
    const tus = await fetch(`${open.url}/v1/uploads`, { method: 'POST', headers: { origin: EVIL, 'tus-resumable': '1.0.0', 'upload-length': '10', authorization: `Bearer ${u.token}` } });
    expect(tus.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await preflight(`${open.url}/v1/uploads`, EVIL, 'POST', 'tus-resumable,upload-length');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a configured origin, and only that one', async () => {
    const ok = await preflight(`${configured.url}/v1/me`, DESKTOP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(DESKTOP);
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await preflight(`${configured.url}/v1/me`, EVIL);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a configured origin upload with tus and read its headers', async () => {
    const u = await configured.user('clinician');
    const pre = await preflight(`${configured.url}/v1/uploads`, DESKTOP, 'POST', 'authorization,tus-resumable,upload-length,upload-metadata');
    expect(pre.headers.get('access-control-allow-origin')).toBe(DESKTOP);
    const tus = await fetch(`${configured.url}/v1/uploads`, { method: 'POST', headers: { origin: DESKTOP, 'tus-resumable': '1.0.0', 'upload-length': '10', authorization: `Bearer ${u.token}` } });
    expect(tus.headers.get('access-control-allow-origin')).toBe(DESKTOP);
    expect(tus.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('upload-offset');
  });
});

describe('security headers on the AI gateway', () => {
  it('sends nosniff and a CSP that allows nothing, on every answer', async () => {
    const res = await fetch(`${gw.baseURL}/models`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(directives(res.headers.get('content-security-policy') ?? '')).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});

import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../config';
import { startApiHarness, type ApiHarness } from '../testing/api-harness';
import { createTestPki, writeCertFiles, type TestPki } from '../testing/test-pki';
import { startGatewayHarness, type GatewayHarness } from '../gateway/service/gateway-test-harness';
import { readServerTls, type ServerTls } from './tls-server';

let pki: TestPki;
let tls: ServerTls;
let dir: string;
let api: ApiHarness;
let gw: GatewayHarness;

beforeAll(async () => {
  pki = await createTestPki();
  dir = mkdtempSync(path.join(os.tmpdir(), 'fe-tls-'));
  // Read through the same function the runtime uses for FE_TLS_CERT_FILE / FE_TLS_KEY_FILE.
  tls = readServerTls(writeCertFiles(dir, 'server', await pki.server(['localhost', '127.0.0.1'])), { cert: 'FE_TLS_CERT_FILE', key: 'FE_TLS_KEY_FILE' })!;
  api = await startApiHarness({ tls });
  gw = await startGatewayHarness({ tls });
}, 120_000);
afterAll(async () => {
  await api?.close();
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GET over https: status and the negotiated protocol, or the client-side error. */
function httpsGet(url: string, opts: https.RequestOptions = {}): Promise<{ status: number; protocol: string | null; body: string } | { error: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const req = https.get(url, { ca: pki.ca, agent: false, ...opts }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, protocol: (res.socket as TLSSocket).getProtocol?.() ?? null, body }));
    });
    req.on('error', (error) => resolve({ error }));
  });
}

describe('TLS on the API', () => {
  it('serves https with TLS 1.3 to a client that trusts the CA', async () => {
    expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await httpsGet(`${api.url}/healthz`);
    expect(r).toMatchObject({ status: 200, protocol: 'TLSv1.3' });
  });

  it('sends HSTS once it is served over TLS', async () => {
    const hsts = await new Promise<string | undefined>((resolve, reject) => https.get(`${api.url}/healthz`, { ca: pki.ca, agent: false }, (res) => (res.resume(), resolve(res.headers['strict-transport-security']))).on('error', reject));
    expect(hsts).toBe('max-age=31536000');
  });

  it('refuses a client that offers at most TLS 1.2', async () => {
    const r = await httpsGet(`${api.url}/healthz`, { maxVersion: 'TLSv1.2' });
    expect('error' in r && `${r.error.code} ${r.error.message}`).toMatch(/^EPROTO .*(alert protocol version|unsupported protocol)/i);
  });

  it('fails a client that does not trust the CA (the certificate is checked, not just any)', async () => {
    const r = await httpsGet(`${api.url}/healthz`, { ca: undefined });
    expect('error' in r && r.error.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED/);
  });

  it('gives plain HTTP to the TLS port no answer', async () => {
    const r = await new Promise<{ status?: number; error?: NodeJS.ErrnoException }>((resolve) => {
      const req = http.get(api.url.replace(/^https/, 'http') + '/healthz', { agent: false }, (res) => {
        res.resume();
        resolve({ status: res.statusCode });
      });
      req.on('error', (error) => resolve({ error }));
    });
    expect(r.status).toBeUndefined();
    expect(r.error?.code).toMatch(/ECONNRESET|EPIPE|HPE_/);
  });

  it('carries the events WebSocket as wss:// on the same server', async () => {
    const u = await api.user('clinician');
    const ws = new WebSocket(`${api.url.replace(/^https/, 'wss')}/v1/events`, { ca: pki.ca, headers: { authorization: `Bearer ${u.token}` } });
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve(`open ${(ws as unknown as { _socket: TLSSocket })._socket.getProtocol()}`));
      ws.once('unexpected-response', (_req, res) => resolve(`status ${res.statusCode}`));
      ws.once('error', (e) => resolve(`error ${e.message}`));
    });
    ws.terminate();
    expect(outcome).toBe('open TLSv1.3');
  });
});

describe('TLS on the AI gateway', () => {
  it('answers a credentialed call over TLS 1.3 and refuses TLS 1.2', async () => {
    expect(gw.baseURL).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1$/);
    const org = await gw.org();
    const ok = await httpsGet(`${gw.baseURL}/models`, { headers: { authorization: `Bearer ${org.secret}`, 'x-fe-purpose': 'rubric_analysis' } });
    expect(ok).toMatchObject({ status: 200, protocol: 'TLSv1.3' });
    const old = await httpsGet(`${gw.baseURL}/models`, { maxVersion: 'TLSv1.2' });
    expect('error' in old && `${old.error.code} ${old.error.message}`).toMatch(/^EPROTO .*(alert protocol version|unsupported protocol)/i);
  });
});

describe('TLS configuration', () => {
  it('needs the certificate and the key together', () => {
    expect(() => loadConfig({ FE_TLS_CERT_FILE: '/x.crt' })).toThrow(/FE_TLS_CERT_FILE and FE_TLS_KEY_FILE go together/);
    expect(() => loadConfig({ FE_GATEWAY_TLS_KEY_FILE: '/x.key' })).toThrow(/FE_GATEWAY_TLS_CERT_FILE and FE_GATEWAY_TLS_KEY_FILE/);
  });

  it('names the key of a file it cannot read', () => {
    expect(() => readServerTls({ certFile: path.join(dir, 'missing.crt'), keyFile: path.join(dir, 'server.key') }, { cert: 'FE_TLS_CERT_FILE', key: 'FE_TLS_KEY_FILE' })).toThrow(/FE_TLS_CERT_FILE=.*missing\.crt cannot be read/);
  });
});

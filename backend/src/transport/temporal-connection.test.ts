import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createTestPki, writeCertFiles, type TestPki } from '../testing/test-pki';
import { connectEvaluationClient } from '../workflows/evaluation-client';
import { connectWorkerConnection } from '../workflows/worker';
import { temporalConnectionOptions } from './temporal-connection';

/*
 * No Temporal frontend with TLS is available here (the CLI dev server speaks plain gRPC), so these
 * tests stand a TLS listener in for it: it requires a client certificate from the test CA and
 * records each handshake. That the SDK's client and the worker's native connection complete an
 * mTLS handshake with the configured CA, client certificate and server name shows the options
 * reach both; the gRPC call after it fails, as it must against a listener that is not Temporal.
 */
interface Handshake {
  servername: string | false;
  clientCn: string | undefined;
  protocol: string | null;
  alpn: string | false | null;
}

let pki: TestPki;
let dir: string;
let server: tls.Server;
let address: string;
const handshakes: Handshake[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  pki = await createTestPki('Temporal Test CA');
  dir = mkdtempSync(path.join(os.tmpdir(), 'fe-temporal-tls-'));
  const frontend = await pki.server(['temporal.internal.test']);
  const worker = writeCertFiles(dir, 'worker', await pki.client('fe-worker'));
  const caFile = path.join(dir, 'ca.crt');
  writeFileSync(caFile, pki.ca);
  server = tls.createServer({ cert: frontend.cert, key: frontend.key, ca: pki.ca, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }, (socket) => {
    const peer = socket.getPeerCertificate();
    handshakes.push({ servername: (socket as tls.TLSSocket & { servername: string | false }).servername, clientCn: peer?.subject?.CN as string | undefined, protocol: socket.getProtocol(), alpn: socket.alpnProtocol });
    socket.destroy();
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  env = { FE_TEMPORAL_TLS_CA_FILE: caFile, FE_TEMPORAL_TLS_CERT_FILE: worker.certFile, FE_TEMPORAL_TLS_KEY_FILE: worker.keyFile, FE_TEMPORAL_TLS_SERVER_NAME: 'temporal.internal.test' };
});
afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** Settles after `ms` at the latest (the SDKs retry a failing connection for a while). */
const settled = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => 'connected', (e: Error) => `failed: ${e.message}`), new Promise((r) => setTimeout(() => r('still trying'), ms))]);

async function handshakeOf(connect: () => Promise<unknown>): Promise<Handshake | undefined> {
  const before = handshakes.length;
  const outcome = await settled(connect(), 8000);
  expect(outcome).not.toBe('connected');
  return handshakes[before];
}

describe('Temporal connection options', () => {
  it('are built from FE_TEMPORAL_TLS_*: CA, client certificate pair and server name', () => {
    const o = temporalConnectionOptions(loadConfig(env), address);
    expect(o.address).toBe(address);
    expect(o.tls).toMatchObject({ serverNameOverride: 'temporal.internal.test' });
    const t = o.tls as Exclude<typeof o.tls, true | undefined>;
    expect(t.serverRootCACertificate?.toString()).toBe(pki.ca);
    expect(t.clientCertPair?.crt.toString()).toContain('BEGIN CERTIFICATE');
    expect(t.clientCertPair?.key.toString()).toContain('BEGIN PRIVATE KEY');
    expect(o.apiKey).toBeUndefined();
  });

  it('stay plain without any TLS key, and turn TLS on for an API key alone', () => {
    expect(temporalConnectionOptions(loadConfig({}), address)).toEqual({ address });
    expect(temporalConnectionOptions(loadConfig({ FE_TEMPORAL_TLS: 'true' }), address)).toEqual({ address, tls: true });
    expect(temporalConnectionOptions(loadConfig({ FE_TEMPORAL_API_KEY: 'k-123' }), address)).toEqual({ address, tls: true, apiKey: 'k-123' });
  });

  it('need the client certificate and key together, and name an unreadable file', () => {
    expect(() => loadConfig({ FE_TEMPORAL_TLS_CERT_FILE: env.FE_TEMPORAL_TLS_CERT_FILE! })).toThrow(/FE_TEMPORAL_TLS_CERT_FILE and FE_TEMPORAL_TLS_KEY_FILE go together/);
    expect(() => temporalConnectionOptions(loadConfig({ FE_TEMPORAL_TLS_CA_FILE: path.join(dir, 'nope.crt') }), address)).toThrow(/FE_TEMPORAL_TLS_CA_FILE=.*nope\.crt cannot be read/);
  });

  it("reach the API's client: an mTLS handshake with the worker certificate and the server name", async () => {
    const opts = temporalConnectionOptions(loadConfig(env), address);
    const h = await handshakeOf(() => connectEvaluationClient({ ...opts, namespace: 'default', taskQueue: 'q', connectTimeoutMs: 3000 }));
    expect(h).toEqual({ servername: 'temporal.internal.test', clientCn: 'fe-worker', protocol: expect.stringMatching(/^TLSv1\.[23]$/), alpn: 'h2' });
  }, 20_000);

  it("reach the worker's native connection the same way", async () => {
    const opts = temporalConnectionOptions(loadConfig(env), address);
    const h = await handshakeOf(() => connectWorkerConnection(opts));
    expect(h).toMatchObject({ servername: 'temporal.internal.test', clientCn: 'fe-worker', alpn: 'h2' });
  }, 20_000);
});

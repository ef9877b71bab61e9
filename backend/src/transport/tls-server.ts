import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AppError } from '../../../app/contracts/errors';

/** A server certificate (chain first, leaf first in the file) and its private key, both PEM. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** The PEM contents of TlsFiles, read once at start. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
}

/** Only TLS 1.3: its cipher suites all have forward secrecy and AEAD, and there is no renegotiation or downgrade dance. */
export const TLS_MIN_VERSION = 'TLSv1.3';

/** Reads a configured certificate and key; a missing or unreadable file fails the start with the key that names it. */
export function readServerTls(files: TlsFiles | undefined, keys: { cert: string; key: string }): ServerTls | undefined {
  if (!files) return undefined;
  const read = (file: string, key: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new AppError('config.invalid', `${key}=${file} cannot be read: ${(e as Error).message}`, { cause: e });
    }
  };
  return { cert: read(files.certFile, keys.cert), key: read(files.keyFile, keys.key) };
}

/**
 * An HTTP server, or with `tls` an HTTPS server that speaks TLS 1.3 only. WebSocket upgrades
 * (`'upgrade'`) arrive on either the same way, so events and signaling are wss:// with TLS.
 * A client that sends plain HTTP to the TLS port fails the handshake and is disconnected.
 */
export function createHttpServer(listener: http.RequestListener, opts: { tls?: ServerTls; keepAliveTimeout?: number } = {}): http.Server {
  const base = opts.keepAliveTimeout ? { keepAliveTimeout: opts.keepAliveTimeout } : {};
  if (!opts.tls) return http.createServer(base, listener);
  const server = https.createServer({ ...base, cert: opts.tls.cert, key: opts.tls.key, minVersion: TLS_MIN_VERSION }, listener);
  // A failed handshake (plain HTTP, TLS 1.2, a scanner) is the client's problem: drop its socket, nothing else.
  server.on('tlsClientError', (_e, socket) => socket.destroy());
  return server;
}

/** The URL a server bound to host:port is reached at. */
export function serverUrl(host: string, port: number, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

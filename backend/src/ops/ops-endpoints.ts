import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness';

export interface OpsEndpointOptions {
  readiness: Readiness;
  /** Served at /metrics when given. */
  registry?: Registry;
  /** FE_OPS_ENDPOINTS_PUBLIC: /metrics and the per-check detail of /readyz for any client, not only loopback. */
  public?: boolean;
}

/**
 * /healthz (alive: the process answers), /readyz (200 or 503; which check failed) and /metrics
 * (Prometheus text). Returns false for any other path so the caller routes it on. The loopback test
 * reads the socket's address, never a forwarding header: a proxy cannot make a remote client local.
 */
export function createOpsEndpoints(opts: OpsEndpointOptions) {
  const privileged = (req: IncomingMessage) => opts.public === true || isLoopback(req.socket.remoteAddress);
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz') {
      send(res, 200, 'application/json', JSON.stringify({ ok: true }));
      return true;
    }
    if (path === '/readyz') {
      void opts.readiness.check().then(
        (r) => send(res, r.ready ? 200 : 503, 'application/json', JSON.stringify(privileged(req) ? r : { ready: r.ready })),
        (e: unknown) => send(res, 503, 'application/json', JSON.stringify({ ready: false, error: { code: 'internal', message: String(e) } })),
      );
      return true;
    }
    if (path === '/metrics' && opts.registry) {
      if (!privileged(req)) return false;
      const registry = opts.registry;
      void registry.metrics().then(
        (text) => send(res, 200, registry.contentType, text),
        (e: unknown) => send(res, 500, 'text/plain', String(e)),
      );
      return true;
    }
    return false;
  };
}
export type OpsEndpoints = ReturnType<typeof createOpsEndpoints>;

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

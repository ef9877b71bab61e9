import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { pinoHttp } from 'pino-http';
import type pino from 'pino';

export const REQUEST_ID_HEADER = 'x-request-id';
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The request id of a call: the caller's X-Request-Id when the connection comes from a trusted
 * source (`trusted`: the API's FE_TRUSTED_PROXIES; the gateway's authenticated internal callers) and
 * the id is well formed, otherwise a new UUID. Anyone else could otherwise forge ids into our logs.
 */
export function requestIdOf(req: IncomingMessage, trusted: (req: IncomingMessage) => boolean): string {
  const given = req.headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && WELL_FORMED_ID.test(given) && trusted(req)) return given;
  return randomUUID();
}

export const fromProxies = (proxies: readonly string[]) => {
  const trust = proxyaddr.compile([...proxies]);
  return (req: IncomingMessage) => req.socket.remoteAddress !== undefined && trust(req.socket.remoteAddress, 0);
};

/**
 * One pino-http line per request, at info (error for 5xx), with the request id also returned as
 * X-Request-Id. Only method, path without its query (tokens and names never reach the log), the
 * route template, status and time are logged: no headers, no bodies, no client address.
 */
export function createRequestLog(logger: pino.Logger, opts: { trusted: (req: IncomingMessage) => boolean; routeOf?: (req: IncomingMessage) => string | undefined }) {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdOf(req, opts.trusted);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    serializers: {
      req: (req: { id: unknown; method: string; raw: IncomingMessage }) => ({ id: req.id, method: req.method, path: pathOf(req.raw), route: opts.routeOf?.(req.raw) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    wrapSerializers: true,
  });
}

const pathOf = (req: IncomingMessage) => ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/').split('?', 1)[0];

/** The request id pino-http gave this request (for passing on to the gateway). */
export const requestIdFrom = (req: IncomingMessage): string | undefined => {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
};

export type RequestLog = ReturnType<typeof createRequestLog>;

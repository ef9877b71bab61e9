import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../../../../app/contracts/errors';
import { audioTranscriptions } from './audio-transcriptions';
import { createCallerAuthenticator } from './caller-auth';
import { chatCompletions } from './chat-completions';
import { sendError, toGatewayError } from './gateway-error';
import type { GatewayDeps, GatewayRuntime } from './governed-call';
import { listModels } from './list-models';
import { createOrgCallContextLoader } from './org-call-context';
import { createCallUserChecker } from './call-user';
import { createOrgRateLimiter } from './org-rate-limiter';
import { createCallLedger } from './call-ledger';
import { createHttpServer, serverUrl } from '../../transport/tls-server';
import { gatewaySecurityHeaders } from '../../transport/security-headers';
import { createRequestLog } from '../../ops/request-log';
import { traceRequest } from '../../ops/tracing';

export type { GatewayDeps, GatewayLimits } from './governed-call';

export interface GatewayServer {
  /** Starts listening; resolves to the OpenAI base URL, e.g. http://127.0.0.1:8790/v1 (https with TLS). */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** The request listener, to mount in another server or call from a test. */
  app: RequestListener;
}

/**
 * The AI governance gateway over plain node:http (no framework on the hot path). Each call:
 * authenticate → headers → validate → policy per target → rate limit → idempotency → reserve →
 * redact → provider router → settle → audit → restore → store answer → respond.
 */
export function createGatewayServer(deps: GatewayDeps): GatewayServer {
  const rt: GatewayRuntime = {
    ...deps,
    auth: createCallerAuthenticator(deps.db, { cacheMs: deps.cacheMs?.credentials ?? 1000 }),
    orgContext: createOrgCallContextLoader(deps.db, { cacheMs: deps.cacheMs?.orgSettings ?? 1000 }),
    rateLimiter: createOrgRateLimiter(deps.limits.requestsPerMinutePerOrg),
    users: createCallUserChecker(deps.db, deps.access, { cacheMs: deps.cacheMs?.credentials ?? 1000 }),
    calls: createCallLedger(deps.db, { onCheckpointError: (e) => deps.log.error('gateway audit head checkpoint failed', { err: String(e.stack ?? e) }) }),
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, abort: AbortSignal) => Promise<void>> = {
    'GET /v1/models': (req, res) => listModels(rt, req, res),
    'POST /v1/chat/completions': (req, res, abort) => chatCompletions(rt, req, res, abort),
    'POST /v1/audio/transcriptions': (req, res, abort) => audioTranscriptions(rt, req, res, abort),
  };

  const securityHeaders = gatewaySecurityHeaders({ https: !!deps.tls });
  // Only workers holding a service credential reach the gateway: their X-Request-Id (the API request's) is kept.
  const requestLog = createRequestLog(deps.log.pino, { trusted: () => true });
  const dispatch: RequestListener = (req, res) => {
    if (deps.ops?.(req, res)) return;
    requestLog(req, res);
    const path = (req.url ?? '/').split('?', 1)[0]!.replace(/\/+$/, '');
    const handler = routes[`${req.method} ${path}`];
    deps.metrics?.observeHttp(req, res, () => (handler ? path : undefined));
    const ac = new AbortController();
    // A span per request when tracing is on: the handler and its provider call run inside it.
    traceRequest(req, res, () => (handler ? path : undefined), () => {
      // The caller went away before the answer was complete: stop the upstream call too.
      res.on('close', () => {
        if (!res.writableFinished) ac.abort();
      });
      const run = handler ? handler(req, res, ac.signal) : Promise.reject(new AppError('request.not_found', `No route ${req.method} ${path}`, { status: 404 }));
      run.catch((e: unknown) => {
        const err = toGatewayError(e);
        if (err.code === 'internal' || err.code === 'config.invalid') deps.log.error('gateway call failed', { path, err: String((e as Error)?.stack ?? e) });
        const retryAfter: Record<string, string> = err.code === 'rate.limited' ? { 'retry-after': String(err.details?.retryAfterSec ?? 1) } : {};
        // A body the handler did not read must not be left in the socket of a keep-alive connection.
        if (!req.readableEnded) req.resume();
        sendError(res, err, retryAfter);
      });
    });
  };

  const app: RequestListener = (req, res) => securityHeaders(req, res, () => dispatch(req, res));

  const server = createHttpServer(app, { tls: deps.tls, keepAliveTimeout: 65_000 });
  return {
    app,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const { port: bound } = server.address() as AddressInfo;
          resolve(`${serverUrl(host, bound, !!deps.tls)}/v1`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

import { BrokenCircuitError, type CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, DelegateBackoff, type IRetryBackoffContext, circuitBreaker, handleWhen, retry } from 'cockatiel';
import { AppError } from '../../../../app/contracts/errors';
import type { ModelRoute, Provider, ProviderRouter } from '../gateway-contracts';
import { UpstreamError } from '../gateway-contracts';
import { type ProviderConfig, type ProvidersConfig, modelRoutes } from './provider-config';

/**
 * Tries a model's targets in order. Per target: a timeout per attempt, retries with exponential
 * backoff and jitter (Retry-After honoured up to a cap), and a circuit breaker per provider
 * (cockatiel: one small typed library with breaker and retry policies that take AbortSignals).
 *
 * Fallback rules: a retryable failure (429, 408, 5xx, network, timeout), an open breaker, an
 * operation the provider does not support (UpstreamError status null, not retryable) or a
 * provider-side auth failure (401/403: its key, not the caller's request) moves on to the next
 * target. Any other 4xx is the caller's error and is thrown at once as `request.invalid`.
 */

export interface RouterLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface BreakerOptions {
  /** Consecutive retryable failures that open a provider's breaker. Default 5. */
  failures?: number;
  /** Cool-down before one trial call is let through (half-open). Default 30 s. */
  halfOpenAfterMs?: number;
}

export interface RetryOptions {
  /** First backoff; doubled per retry, with jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** Largest exponential backoff. Default 4 s. */
  maxDelayMs?: number;
  /** A Retry-After above this is not waited for: the router falls back instead. Default 10 s. */
  maxRetryAfterMs?: number;
}

export interface ProviderRouterOptions {
  config: ProvidersConfig;
  /** Built providers by id, or a factory called once per configured provider. */
  providers: Map<string, Provider> | ((config: ProviderConfig) => Provider);
  breaker?: BreakerOptions;
  retry?: RetryOptions;
  log?: RouterLog;
}

/** One provider call (or a skipped target) as reported in `upstream.*` errors and logs. */
export interface RouterAttempt {
  providerId: string;
  upstreamModel: string;
  /** 'ok', 'failed', 'timeout' or 'circuit_open'. */
  outcome: 'ok' | 'failed' | 'timeout' | 'circuit_open';
  status: number | null;
  error?: string;
}

export interface RunOptions {
  /** The caller's cancellation (e.g. the client went away); ends retries and fallbacks too. */
  signal?: AbortSignal;
}

/** ProviderRouter plus what the gateway needs for /v1/models, health and shutdown. */
export interface GatewayProviderRouter extends ProviderRouter {
  run<T>(
    targets: ModelRoute['targets'],
    call: (p: Provider, upstreamModel: string, signal: AbortSignal) => Promise<T>,
    opts?: RunOptions,
  ): Promise<{ value: T; providerId: string; upstreamModel: string; attempts: number }>;
  /** 'closed' | 'open' | 'half-open' per provider id. */
  breakerStates(): Record<string, 'closed' | 'open' | 'half-open'>;
  close(): Promise<void>;
}

/** Thrown for an attempt that ran out of time; retryable like any timeout. */
export class UpstreamTimeoutError extends UpstreamError {
  constructor(providerId: string, timeoutMs: number) {
    super(`${providerId}: no answer within ${timeoutMs} ms`, { status: null, retryable: true, providerId });
    this.name = 'UpstreamTimeoutError';
  }
}

export function createProviderRouter(opts: ProviderRouterOptions): GatewayProviderRouter {
  const routes = modelRoutes(opts.config);
  const configs = new Map(opts.config.providers.map((p) => [p.id, p]));
  const providers = new Map<string, Provider>();
  for (const cfg of opts.config.providers) {
    const provider = typeof opts.providers === 'function' ? opts.providers(cfg) : opts.providers.get(cfg.id);
    if (provider) providers.set(cfg.id, provider);
  }
  for (const route of routes) {
    for (const t of route.targets) {
      if (!providers.has(t.providerId)) throw new AppError('config.invalid', `model ${route.model}: provider ${t.providerId} is configured but was not built`);
    }
  }

  const failures = opts.breaker?.failures ?? 5;
  const halfOpenAfter = opts.breaker?.halfOpenAfterMs ?? 30_000;
  const baseDelay = opts.retry?.baseDelayMs ?? 250;
  const maxDelay = opts.retry?.maxDelayMs ?? 4_000;
  const maxRetryAfter = opts.retry?.maxRetryAfterMs ?? 10_000;

  const countsAgainstProvider = (e: Error) => e instanceof UpstreamError && e.opts.retryable;
  const breakers = new Map<string, CircuitBreakerPolicy>();
  for (const id of providers.keys()) {
    const breaker = circuitBreaker(handleWhen(countsAgainstProvider), { halfOpenAfter, breaker: new ConsecutiveBreaker(failures) });
    breaker.onBreak(() => opts.log?.warn({ providerId: id, failures }, 'provider circuit opened'));
    breaker.onReset(() => opts.log?.info({ providerId: id }, 'provider circuit closed'));
    breakers.set(id, breaker);
  }

  const retryable = (e: Error) => countsAgainstProvider(e) && ((e as UpstreamError).opts.retryAfterMs ?? 0) <= maxRetryAfter;
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>>((ctx) => {
    const err = 'error' in ctx.result ? ctx.result.error : undefined;
    const retryAfter = err instanceof UpstreamError ? err.opts.retryAfterMs : undefined;
    if (retryAfter !== undefined) return Math.min(retryAfter, maxRetryAfter);
    const exp = Math.min(maxDelay, baseDelay * 2 ** (ctx.attempt - 1));
    return exp / 2 + Math.random() * (exp / 2);
  });

  function provider(id: string): Provider {
    const p = providers.get(id);
    if (!p) throw new AppError('config.invalid', `no provider ${id}`);
    return p;
  }

  async function attemptOnce<T>(p: Provider, upstreamModel: string, timeoutMs: number, call: (p: Provider, m: string, s: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    const timer = new AbortController();
    const signal = outer ? AbortSignal.any([timer.signal, outer]) : timer.signal;
    let handle: NodeJS.Timeout | undefined;
    // A provider that ignores its signal still loses the race, so a hung upstream cannot stall us.
    const timedOut = new Promise<never>((_, reject) => {
      handle = setTimeout(() => {
        const err = new UpstreamTimeoutError(p.id, timeoutMs);
        timer.abort(err);
        reject(err);
      }, timeoutMs);
    });
    try {
      return await Promise.race([call(p, upstreamModel, signal), timedOut]);
    } finally {
      clearTimeout(handle);
    }
  }

  return {
    routes: () => routes,
    route: (model) => routes.find((r) => r.model === model),
    provider,
    breakerStates() {
      const names = { [CircuitState.Closed]: 'closed', [CircuitState.Open]: 'open', [CircuitState.HalfOpen]: 'half-open', [CircuitState.Isolated]: 'open' } as const;
      return Object.fromEntries([...breakers].map(([id, b]) => [id, names[b.state]]));
    },
    async close() {
      await Promise.all([...providers.values()].map((p) => p.close?.()));
    },
    async run(targets, call, runOpts) {
      const attempts: RouterAttempt[] = [];
      let calls = 0;
      for (const target of targets) {
        const p = provider(target.providerId);
        const cfg = configs.get(p.id);
        const breaker = breakers.get(p.id)!;
        const policy = retry(handleWhen(retryable), { maxAttempts: cfg?.maxRetries ?? 2, backoff });
        policy.onRetry(({ delay, attempt }) => opts.log?.info({ providerId: p.id, attempt, delayMs: Math.round(delay) }, 'retrying provider'));
        try {
          const value = await policy.execute(
            () =>
              breaker.execute(async () => {
                calls++;
                try {
                  const v = await attemptOnce(p, target.upstreamModel, cfg?.timeoutMs ?? 60_000, call, runOpts?.signal);
                  attempts.push({ providerId: p.id, upstreamModel: target.upstreamModel, outcome: 'ok', status: null });
                  return v;
                } catch (e) {
                  attempts.push(failedAttempt(p.id, target.upstreamModel, e));
                  throw e;
                }
              }),
            runOpts?.signal,
          );
          return { value, providerId: p.id, upstreamModel: target.upstreamModel, attempts: calls };
        } catch (e) {
          if (runOpts?.signal?.aborted) throw new AppError('upstream.unavailable', 'the call was cancelled by its caller', { cause: e, details: { attempts } });
          if (e instanceof BrokenCircuitError) {
            attempts.push({ providerId: p.id, upstreamModel: target.upstreamModel, outcome: 'circuit_open', status: null, error: 'circuit open' });
            opts.log?.warn({ providerId: p.id }, 'provider skipped: circuit open');
            continue;
          }
          if (isCallersError(e)) {
            const err = e as UpstreamError;
            throw new AppError('request.invalid', `${p.id} refused the request (HTTP ${err.opts.status}): ${err.message}`, { status: err.opts.status ?? 400, cause: e, details: { providerId: p.id, upstreamStatus: err.opts.status, attempts } });
          }
          if (!(e instanceof UpstreamError)) throw e;
          opts.log?.warn({ providerId: p.id, err: e.message }, 'provider failed; trying the next target');
        }
      }
      throw allFailed(attempts);
    },
  };
}

function isCallersError(e: unknown): boolean {
  if (!(e instanceof UpstreamError)) return false;
  const { status, retryable } = e.opts;
  return !retryable && status !== null && status >= 400 && status < 500 && status !== 401 && status !== 403;
}

function failedAttempt(providerId: string, upstreamModel: string, e: unknown): RouterAttempt {
  if (e instanceof UpstreamTimeoutError) return { providerId, upstreamModel, outcome: 'timeout', status: null, error: e.message };
  if (e instanceof UpstreamError) return { providerId, upstreamModel, outcome: 'failed', status: e.opts.status, error: e.message };
  return { providerId, upstreamModel, outcome: 'failed', status: null, error: e instanceof Error ? e.message : String(e) };
}

function allFailed(attempts: RouterAttempt[]): AppError {
  const byProvider = new Map<string, RouterAttempt[]>();
  for (const a of attempts) byProvider.set(a.providerId, [...(byProvider.get(a.providerId) ?? []), a]);
  const parts = [...byProvider].map(([id, list]) => {
    const last = list.at(-1)!;
    const tries = list.filter((a) => a.outcome !== 'circuit_open').length;
    const why = last.outcome === 'circuit_open' ? 'circuit open' : last.outcome === 'timeout' ? 'timed out' : (last.error ?? 'failed');
    return `${id} (${why}${tries > 1 ? `, ${tries} attempts` : ''})`;
  });
  const lastPerProvider = [...byProvider.values()].map((l) => l.at(-1)!);
  const allTimeouts = lastPerProvider.length > 0 && lastPerProvider.every((a) => a.outcome === 'timeout');
  const message = parts.length ? `no provider answered: ${parts.join('; ')}` : 'no provider to try';
  return new AppError(allTimeouts ? 'upstream.timeout' : 'upstream.unavailable', message, { details: { attempts } });
}

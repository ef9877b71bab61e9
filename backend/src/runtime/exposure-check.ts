import { isIP } from 'node:net';
import { AppError } from '../../../app/contracts/errors';
import { configKeys, type Config } from '../config';

/** 127.0.0.0/8, ::1 and localhost: an interface only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** A dev token reachable from other machines must at least be hard to guess (and rate limits do the rest). */
export const EXPOSED_DEV_TOKEN_MIN_LENGTH = 24;

/**
 * The embedded dev identity's default token is public (it is in the README): an API reachable from
 * other machines must not accept it, nor a short one. Refuses to start an API on a non-loopback
 * FE_API_HOST while the embedded dev identity has such a token; set FE_DEV_TOKEN to a long secret
 * of your own, or bind to loopback. With an external database there is no dev identity to protect.
 */
export function refuseExposedDevToken(config: Pick<Config, 'apiHost' | 'devToken' | 'derived'>): void {
  if (!config.derived.embedded.postgres || isLoopbackHost(config.apiHost)) return;
  if (config.devToken === configKeys.devToken.default) {
    throw new AppError(
      'config.invalid',
      `FE_API_HOST=${config.apiHost} makes the API reachable from other machines, but the dev identity still has the well-known default token (FE_DEV_TOKEN=${configKeys.devToken.default}). Set FE_DEV_TOKEN to a long random secret (openssl rand -base64 32), or bind to 127.0.0.1.`,
    );
  }
  if (config.devToken.length < EXPOSED_DEV_TOKEN_MIN_LENGTH) {
    throw new AppError('config.invalid', `FE_API_HOST=${config.apiHost} makes the API reachable from other machines: FE_DEV_TOKEN must then be at least ${EXPOSED_DEV_TOKEN_MIN_LENGTH} characters (it has ${config.devToken.length}).`);
  }
}

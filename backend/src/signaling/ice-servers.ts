import { createHmac } from 'node:crypto';
import { AppError } from '../../../app/contracts/errors';
import type { IceServer } from '../../../app/contracts/signaling';

export interface IceConfig {
  /** `stun:` / `stuns:` URLs handed to clients as is. */
  stunUrls: readonly string[];
  /** `turn:` / `turns:` URLs; they need `turnSecret`. */
  turnUrls: readonly string[];
  /** coturn's `static-auth-secret` (`use-auth-secret`). */
  turnSecret?: string;
  /** How long TURN credentials stay valid; coturn refuses allocations and refreshes after that. */
  turnTtlSec: number;
}

/** Refuses TURN URLs without a secret at start, rather than handing out servers no client can use. */
export function checkIceConfig(c: IceConfig): IceConfig {
  const bad = [...c.stunUrls.filter((u) => !/^stuns?:/.test(u)), ...c.turnUrls.filter((u) => !/^turns?:/.test(u))];
  if (bad.length) throw new AppError('config.invalid', `Not a STUN/TURN URL where one was expected: ${bad.join(', ')}`);
  if (c.turnUrls.length && !c.turnSecret) throw new AppError('config.invalid', 'FE_TURN_URLS is set but FE_TURN_SECRET is not: TURN needs the shared secret of coturn (use-auth-secret).');
  if (!(c.turnTtlSec > 0)) throw new AppError('config.invalid', 'FE_TURN_TTL_SEC must be positive');
  return c;
}

/**
 * The TURN REST API credential (draft-uberti-behave-turn-rest, as coturn implements it):
 * username = `<expiry unix seconds>:<subject>`, credential = base64(HMAC-SHA1(secret, username)).
 * coturn recomputes the HMAC from its own copy of the secret, so nothing is stored here.
 */
export function turnCredential(secret: string, subject: string, expiresAtUnix: number): { username: string; credential: string } {
  const username = `${expiresAtUnix}:${subject}`;
  return { username, credential: createHmac('sha1', secret).update(username, 'utf8').digest('base64') };
}

/** The servers one participant gets; `subject` names who the TURN allocation is for (the session). */
export function iceServersFor(c: IceConfig, subject: string, now: Date = new Date()): { iceServers: IceServer[]; expiresAt: string | null } {
  const iceServers: IceServer[] = [];
  if (c.stunUrls.length) iceServers.push({ urls: [...c.stunUrls] });
  if (!c.turnUrls.length || !c.turnSecret) return { iceServers, expiresAt: null };
  const expiry = Math.floor(now.getTime() / 1000) + Math.floor(c.turnTtlSec);
  iceServers.push({ urls: [...c.turnUrls], ...turnCredential(c.turnSecret, subject, expiry) });
  return { iceServers, expiresAt: new Date(expiry * 1000).toISOString() };
}

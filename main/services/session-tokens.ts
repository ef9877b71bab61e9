import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DesktopSessionRoutes, DesktopTokens, type RefreshTokenRequest } from '../../app/contracts/desktop-session-api';
import { ErrorCode, isAppError, type ErrorData } from '../../app/contracts/errors';
import { err, ok, type Result } from '../../app/contracts/result';
import type { SecretStore } from './secret-store';

/** The access token: the one entry the renderer may read (app/contracts/ipc/secrets.ts). */
export const ACCESS_TOKEN_SECRET = 'api.token';
/** The refresh token and both expiries: main-process only, never exposed over IPC. */
export const SESSION_SECRET = 'desktop.session';

const StoredSession = z.object({
  /** The sha256 of the access token this refresh token goes with: a token set by hand (a dev token) is left alone. */
  accessSha256: z.string(),
  accessExpiresAt: z.string(),
  refreshToken: z.string(),
  refreshExpiresAt: z.string(),
});
type StoredSession = z.infer<typeof StoredSession>;

/** Refusals after which the stored session is useless: it is cleared, the user must sign in again. */
const SIGNED_OUT: readonly ErrorCode[] = ['auth.refresh_invalid', 'auth.refresh_reused', 'auth.user_deactivated'];

export interface SessionTokensOptions {
  secrets: SecretStore;
  /** The API's base URL (https://…, no /v1); read at every refresh, settings may change. */
  apiBase: () => string | Promise<string>;
  /** Refresh this long before the access token expires (clock skew, a request in flight). Default 30 s. */
  earlyMs?: number;
  /** Called once the stored session was refused and cleared (signed out elsewhere, reused, deactivated). */
  onSignedOut?: (error: ErrorData) => void;
  fetch?: typeof fetch;
  now?: () => number;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * The desktop's tokens in the main process, kept by the secret store (OS keychain via safeStorage).
 * `accessToken()` answers a live access token, spending the refresh token when the access token
 * has (nearly) expired; concurrent callers share one refresh, since a second one with the same
 * refresh token would count as reuse and revoke the whole sign-in.
 */
export function createSessionTokens(opts: SessionTokensOptions) {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const earlyMs = opts.earlyMs ?? 30_000;
  let inFlight: Promise<Result<string | null>> | null = null;

  async function read(): Promise<{ access: string | null; session: StoredSession | null }> {
    const access = await opts.secrets.get(ACCESS_TOKEN_SECRET);
    const raw = await opts.secrets.get(SESSION_SECRET);
    const parsed = raw ? StoredSession.safeParse(JSON.parse(raw)) : null;
    const session = parsed?.success && access && parsed.data.accessSha256 === sha256(access) ? parsed.data : null;
    return { access, session };
  }

  async function save(t: DesktopTokens): Promise<void> {
    await opts.secrets.set(ACCESS_TOKEN_SECRET, t.accessToken);
    const session: StoredSession = { accessSha256: sha256(t.accessToken), accessExpiresAt: t.accessExpiresAt, refreshToken: t.refreshToken, refreshExpiresAt: t.refreshExpiresAt };
    await opts.secrets.set(SESSION_SECRET, JSON.stringify(session));
  }

  async function clear(): Promise<void> {
    await opts.secrets.delete(ACCESS_TOKEN_SECRET);
    await opts.secrets.delete(SESSION_SECRET);
  }

  async function post(route: (typeof DesktopSessionRoutes)[keyof typeof DesktopSessionRoutes], body: RefreshTokenRequest): Promise<Result<unknown>> {
    try {
      const res = await doFetch(new URL(`/v1${route.path}`, await opts.apiBase()), { method: route.method.toUpperCase(), headers: { 'content-type': 'application/json' }, body: JSON.stringify(route.body.parse(body)), signal: AbortSignal.timeout(15_000) });
      const json: unknown = await res.json().catch(() => null);
      if (res.ok) return ok(json);
      const p = (json ?? {}) as { code?: unknown; detail?: unknown };
      const code = ErrorCode.safeParse(p.code);
      return err({ code: code.success ? code.data : 'upstream.unavailable', message: typeof p.detail === 'string' ? p.detail : `HTTP ${res.status}` });
    } catch (e) {
      return err({ code: 'upstream.unavailable', message: `The server could not be reached: ${(e as Error).message}` });
    }
  }

  async function refresh(session: StoredSession): Promise<Result<string | null>> {
    const r = await post(DesktopSessionRoutes.refresh, { refreshToken: session.refreshToken });
    if (!r.ok) {
      if (SIGNED_OUT.includes(r.error.code)) {
        await clear();
        opts.onSignedOut?.(r.error);
      }
      return r;
    }
    const tokens = DesktopTokens.safeParse(r.value);
    if (!tokens.success) return err({ code: 'upstream.unavailable', message: 'The server answered a refresh that is not a token pair.' });
    await save(tokens.data);
    return ok(tokens.data.accessToken);
  }

  return {
    save,

    /**
     * A live access token; null when signed out. `force`: refresh even if it has not expired by the
     * clock (the API just answered 401 auth.invalid). A token without a refresh token (a dev token
     * set by hand) is answered as it is.
     */
    async accessToken(o: { force?: boolean } = {}): Promise<Result<string | null>> {
      // Joining an in-flight refresh comes first: its result is the token the caller would get anyway.
      if (inFlight) return inFlight;
      let stored: Awaited<ReturnType<typeof read>>;
      try {
        stored = await read();
      } catch (e) {
        return err(isAppError(e) ? { code: e.code, message: e.message } : { code: 'secret.unavailable', message: (e as Error).message });
      }
      const { access, session } = stored;
      if (!session) return ok(access);
      if (!o.force && Date.parse(session.accessExpiresAt) - earlyMs > now()) return ok(access);
      if (inFlight) return inFlight;
      inFlight = refresh(session).finally(() => {
        inFlight = null;
      });
      return inFlight;
    },

    /** Sign-out: the server revokes the sign-in's family (every token it issued); the stored tokens are deleted even when the server cannot be reached. */
    async signOut(): Promise<Result<{ revoked: boolean }>> {
      await inFlight?.catch(() => undefined);
      const { session } = await read();
      const r = session ? await post(DesktopSessionRoutes.revoke, { refreshToken: session.refreshToken }) : ok({ revoked: false });
      await clear();
      if (!r.ok) return r;
      return ok(DesktopSessionRoutes.revoke.responses[200].json.parse(r.value));
    },
  };
}
export type SessionTokens = ReturnType<typeof createSessionTokens>;

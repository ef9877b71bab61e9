import { AppError } from '../../../app/contracts/errors';
import type { HandlerMap } from '../../../app/contracts/ipc-contract';
import type { SecretsContract } from '../../../app/contracts/ipc/secrets';
import type { DesktopSignInResult } from '../../../app/contracts/desktop-session-api';
import type { Result } from '../../../app/contracts/result';
import type { SecretStore } from '../../services/secret-store';
import { ACCESS_TOKEN_SECRET, type SessionTokens } from '../../services/session-tokens';

/**
 * The renderer's access to its one secret, the access token. With the session's tokens it reads a
 * live one (refreshed when it expired) and deleting it is the sign-out that revokes the sign-in.
 */
export function createSecretsHandlers(deps: { secrets: SecretStore; session?: SessionTokens; signIn?: (orgId: string, signal: AbortSignal) => Promise<Result<DesktopSignInResult>> }): HandlerMap<typeof SecretsContract> {
  // The sign-in waiting for the browser; a new one replaces (cancels) it.
  let waiting: AbortController | null = null;
  return {
    'secrets:get': async ({ name }) => {
      if (name !== ACCESS_TOKEN_SECRET || !deps.session) return { value: await deps.secrets.get(name) };
      const r = await deps.session.accessToken();
      if (!r.ok) throw new AppError(r.error.code, r.error.message);
      return { value: r.value };
    },
    'secrets:set': async ({ name, value }) => {
      await deps.secrets.set(name, value);
      return { stored: true as const };
    },
    'secrets:delete': async ({ name }) => {
      if (name !== ACCESS_TOKEN_SECRET || !deps.session) return { deleted: await deps.secrets.delete(name) };
      const had = (await deps.secrets.get(name)) !== null;
      // Signed out locally even when the server cannot be reached; its tokens then expire on their own.
      await deps.session.signOut();
      return { deleted: had };
    },
    'secrets:signin': async ({ orgId }) => {
      if (!deps.signIn || !deps.session) throw new AppError('auth.oidc_not_configured', 'This app cannot open the system browser for sign-in here.');
      waiting?.abort();
      const mine = new AbortController();
      waiting = mine;
      const r = await deps.signIn(orgId, mine.signal).finally(() => {
        if (waiting === mine) waiting = null;
      });
      if (!r.ok) throw new AppError(r.error.code, r.error.message);
      const { token, expiresAt, refreshToken, refreshExpiresAt, identity } = r.value;
      await deps.session.save({ accessToken: token, accessExpiresAt: expiresAt, refreshToken, refreshExpiresAt });
      if (mine.signal.aborted) {
        // Cancelled while the API was finishing it: sign that sign-in out again (revoked on the server), keep nothing.
        await deps.session.signOut();
        throw new AppError('auth.signin_cancelled', 'Sign-in was cancelled.');
      }
      return { identity };
    },
    'secrets:cancel': async () => {
      const had = waiting !== null;
      waiting?.abort();
      waiting = null;
      return { cancelled: had };
    },
    'secrets:status': async () => deps.secrets.status(),
  };
}
